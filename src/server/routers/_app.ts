import { createCallerFactory, router } from '../trpc';
import { accountRouter } from './account';
import { auditRouter } from './audit';
import { dashboardRouter } from './dashboard';
import { portalRouter } from './portal';
import { settingsRouter } from './settings';
import { setupRouter } from './setup';

export const appRouter = router({
  setup: setupRouter,
  settings: settingsRouter,
  account: accountRouter,
  audit: auditRouter,
  dashboard: dashboardRouter,
  portal: portalRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
