/** The reverse proxy: routes, and Caddy's config rendered and loaded from them. */
export {
  applyCaddy,
  declareServiceClients,
  ensureRoutes,
  routeSettingsRow,
  uiHosts,
  updateRouteSettings,
} from './apply';
export {
  countRoutes,
  createRoute,
  holdServiceRoutes,
  listRoutes,
  removeRoute,
  updateRoute,
  type ServiceRoute,
} from './routes';
