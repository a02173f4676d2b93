import { updateNtpInput } from '@/lib/schemas/ntp';
import { getNtp, ntpStatus, updateNtp } from '../managers/ntp';
import { adminProcedure, router } from '../trpc';

export const ntpRouter = router({
  get: adminProcedure.query(({ ctx }) => getNtp(ctx.db)),
  update: adminProcedure.input(updateNtpInput).mutation(({ ctx, input }) => updateNtp(ctx.db, input)),
  /** What cell-ntp reports (`chronyc tracking`); says why when it cannot. */
  status: adminProcedure.query(({ ctx }) => ntpStatus(ctx.db)),
});
