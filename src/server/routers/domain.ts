import { checkNameInput, updateDomainInput } from '@/lib/schemas/domain';
import { ddnsStatus, ddnsUpdateNow } from '../managers/ddns';
import { checkName, getDomain, requestCertificate, updateDomain } from '../managers/domain';
import { adminProcedure, router, setupProcedure } from '../trpc';

export const domainRouter = router({
  get: adminProcedure.query(({ ctx }) => getDomain(ctx.db)),
  update: adminProcedure.input(updateDomainInput).mutation(({ ctx, input }) => updateDomain(ctx.db, input)),
  ddnsStatus: adminProcedure.query(({ ctx }) => ddnsStatus(ctx.db)),
  ddnsUpdateNow: adminProcedure.mutation(({ ctx }) => ddnsUpdateNow(ctx.db)),
  /** A DNS-01 mode's certificate asked for now; it arrives in the background (`get` shows it). */
  requestCertificate: adminProcedure.mutation(({ ctx }) => requestCertificate(ctx.db)),
  /** The wizard asks before setup (closed after); an unreachable pic.ngo counts as available. */
  checkName: setupProcedure
    .input(checkNameInput)
    .query(({ ctx, input }) => checkName(ctx.db, input.name, ctx.clientAddress)),
});
