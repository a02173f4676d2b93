import { z } from 'zod';
import { changePasswordSchema } from '@/lib/schemas/account';
import { claimLinkSchema } from '@/lib/schemas/peers';
import { changePassword, getAccount } from '../managers/accounts';
import { claimLoginLink, linkStatus } from '../managers/peers';
import { authedProcedure, publicProcedure, router } from '../trpc';

export const accountRouter = router({
  me: authedProcedure.query(({ ctx }) => getAccount(ctx.db, ctx.session.id)),
  changePassword: authedProcedure
    .input(changePasswordSchema)
    .mutation(({ ctx, input }) => changePassword(ctx.db, ctx.session.id, input.currentPassword, input.newPassword)),
  // A one-time link from the admin: check it, then choose a password with it.
  linkStatus: publicProcedure
    .input(z.object({ token: z.string().max(100) }))
    .query(({ ctx, input }) => linkStatus(ctx.db, input.token)),
  claimLink: publicProcedure
    .input(claimLinkSchema)
    .mutation(({ ctx, input }) => claimLoginLink(ctx.db, input.token, input.password, ctx.clientAddress)),
});
