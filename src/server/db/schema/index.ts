export * from './settings';
export * from './users';
export * from './audit';
export * from './wireguard';
export * from './containers';
export * from './network';
export * from './vault';
export * from './routes';
