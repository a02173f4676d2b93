import { dashboardSummary } from '../managers/dashboard';
import { adminProcedure, router } from '../trpc';

export const dashboardRouter = router({
  summary: adminProcedure.query(({ ctx }) => dashboardSummary(ctx.db)),
});
