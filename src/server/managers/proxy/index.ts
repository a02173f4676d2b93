/** The reverse proxy: routes, and Caddy's config rendered and loaded from them. */
export { applyCaddy, ensureProxy, uiHosts } from './apply';
export { createRoute, listRoutes, removeRoute, updateRoute } from './routes';
