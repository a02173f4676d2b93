import { createMetricsToken, metricsStatus, revokeMetricsToken } from '../managers/metrics';
import { adminProcedure, router } from '../trpc';

export const metricsRouter = router({
  status: adminProcedure.query(({ ctx }) => metricsStatus(ctx.db)),
  /** A new token for `/api/metrics` (shown once); the one before stops working. */
  createToken: adminProcedure.mutation(({ ctx }) => createMetricsToken(ctx.db)),
  revokeToken: adminProcedure.mutation(({ ctx }) => revokeMetricsToken(ctx.db)),
});
