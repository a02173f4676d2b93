/** The reverse proxy: routes, and Caddy's config rendered and loaded from them. */
export { applyCaddy, ensureProxy, proxySettingsRow, uiHosts, updateProxySettings } from './apply';
export { createRoute, listRoutes, removeRoute, updateRoute } from './routes';
