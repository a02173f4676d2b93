/** Caddy renderer inputs shared by the golden tests and `caddy validate`. */
import type { CaddyModel, RouteModel } from '@/server/managers/proxy/render';

const route = (id: number, host: string, extra: Partial<RouteModel> = {}): RouteModel => ({
  id,
  host,
  path: '',
  upstream: 'nextcloud:80',
  access: 'public',
  headers: {},
  websocket: false,
  ...extra,
});

const base: CaddyModel = {
  configRoot: '/etc/caddy',
  stateRoot: '/data',
  logLevel: 'INFO',
  listenHost: null,
  httpPort: 80,
  httpsPort: 443,
  mode: 'lan',
  domain: 'home.home.arpa',
  acmeEmail: null,
  dnsProvider: null,
  internalNets: ['10.0.0.0/24', '172.20.0.0/16'],
  ui: { hosts: ['home.home.arpa', 'home.cell'], upstream: '172.20.0.1:3000' },
  routes: [
    route(1, 'files.home.home.arpa', { access: 'peers', headers: { 'X-Forwarded-Prefix': '/' } }),
    route(2, 'files.home.home.arpa', { path: '/dav', upstream: 'radicale:5232', websocket: true }),
    route(3, 'nas.cell', { upstream: '10.0.0.40:8080', access: 'peers' }),
    route(4, 'chat.home.home.arpa', { upstream: '[fd00::5]:8448' }),
  ],
};

export const CADDY: Record<string, CaddyModel> = {
  lan: base,
  empty: { ...base, routes: [] },
  http01: {
    ...base,
    mode: 'http01',
    domain: 'example.org',
    acmeEmail: 'admin@example.org',
    ui: { hosts: ['example.org', 'home.cell'], upstream: '172.20.0.1:3000' },
    routes: [route(1, 'files.example.org'), route(2, 'nas.cell')],
  },
  cloudflare: {
    ...base,
    mode: 'cloudflare',
    domain: 'example.org',
    logLevel: 'DEBUG',
    dnsProvider: { name: 'cloudflare', config: { api_token: 'cf-token-123' } },
    ui: { hosts: ['example.org', 'home.cell'], upstream: '172.20.0.1:3000' },
    routes: [route(1, 'files.example.org', { access: 'peers' })],
  },
};
