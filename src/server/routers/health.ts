import { z } from 'zod';
import { healthHistory } from '../managers/health';
import { adminProcedure, router } from '../trpc';

export const healthRouter = router({
  /** Each component's state now and its changes over the last hours (the dashboard's timeline). */
  history: adminProcedure
    .input(z.strictObject({ hours: z.number().int().min(1).max(168) }))
    .query(({ ctx, input }) => healthHistory(ctx.db, input.hours)),
});
