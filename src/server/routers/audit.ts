import { auditListSchema } from '@/lib/schemas/audit';
import { listAudit, verifyAudit } from '../managers/audit';
import { peerNames } from '../managers/peers';
import { adminProcedure, router } from '../trpc';

export const auditRouter = router({
  list: adminProcedure
    .input(auditListSchema)
    .query(({ ctx, input }) => listAudit(ctx.db, input, (ids) => peerNames(ctx.db, ids))),
  verify: adminProcedure.query(({ ctx }) => verifyAudit(ctx.db)),
});
