import { createCallerFactory, router } from '../trpc';
// Wherever the routers run, the daemons follow the changes they declare.
import '../appliers';
import { accountRouter } from './account';
import { auditRouter } from './audit';
import { backupRouter } from './backup';
import { containersRouter } from './containers';
import { dashboardRouter } from './dashboard';
import { dhcpRouter } from './dhcp';
import { dnsRouter } from './dns';
import { domainRouter } from './domain';
import { firewallRouter } from './firewall';
import { groupsRouter } from './groups';
import { healthRouter } from './health';
import { logsRouter } from './logs';
import { metricsRouter } from './metrics';
import { notificationsRouter } from './notifications';
import { ntpRouter } from './ntp';
import { peersRouter } from './peers';
import { portalRouter } from './portal';
import { settingsRouter } from './settings';
import { routesRouter } from './routes';
import { setupRouter } from './setup';
import { storeRouter } from './store';
import { vaultRouter } from './vault';
import { wireguardRouter } from './wireguard';

export const appRouter = router({
  setup: setupRouter,
  settings: settingsRouter,
  account: accountRouter,
  audit: auditRouter,
  backup: backupRouter,
  dashboard: dashboardRouter,
  portal: portalRouter,
  wireguard: wireguardRouter,
  peers: peersRouter,
  containers: containersRouter,
  dns: dnsRouter,
  ntp: ntpRouter,
  dhcp: dhcpRouter,
  vault: vaultRouter,
  routes: routesRouter,
  domain: domainRouter,
  groups: groupsRouter,
  firewall: firewallRouter,
  metrics: metricsRouter,
  logs: logsRouter,
  health: healthRouter,
  notifications: notificationsRouter,
  store: storeRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
