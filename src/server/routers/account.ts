import { changePasswordSchema } from '@/lib/schemas/account';
import { changePassword, getAccount } from '../managers/accounts';
import { authedProcedure, router } from '../trpc';

export const accountRouter = router({
  me: authedProcedure.query(({ ctx }) => getAccount(ctx.db, ctx.session.id)),
  changePassword: authedProcedure
    .input(changePasswordSchema)
    .mutation(({ ctx, input }) => changePassword(ctx.db, ctx.session.id, input.currentPassword, input.newPassword)),
});
