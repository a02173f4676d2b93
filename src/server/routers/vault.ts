import { certId, exportInput, issueInput, revokeInput } from '@/lib/schemas/vault';
import {
  exportCertificate,
  issueCertificate,
  listCertificates,
  renewCertificate,
  revokeCertificate,
  rootCertificate,
} from '../managers/vault';
import { adminProcedure, router } from '../trpc';

export const vaultRouter = router({
  list: adminProcedure.query(({ ctx }) => listCertificates(ctx.db)),
  issue: adminProcedure.input(issueInput).mutation(({ ctx, input }) => issueCertificate(ctx.db, input)),
  renew: adminProcedure.input(certId).mutation(({ ctx, input }) => renewCertificate(ctx.db, input.id)),
  revoke: adminProcedure
    .input(revokeInput)
    .mutation(({ ctx, input }) => revokeCertificate(ctx.db, input.id, input.reason)),
  root: adminProcedure.query(({ ctx }) => rootCertificate(ctx.db)),
  /** The certificate with its key: a mutation, so every export of a key is in the audit trail. */
  export: adminProcedure
    .input(exportInput)
    .mutation(({ ctx, input }) => exportCertificate(ctx.db, input.id, input.format, input.password)),
});
