import { notificationsInput } from '@/lib/schemas/notifications';
import { getNotifications, testNotification, updateNotifications } from '../managers/notifications';
import { adminProcedure, router } from '../trpc';

export const notificationsRouter = router({
  get: adminProcedure.query(({ ctx }) => getNotifications(ctx.db)),
  update: adminProcedure.input(notificationsInput).mutation(({ ctx, input }) => updateNotifications(ctx.db, input)),
  /** Sends a test notice now; PRECONDITION_FAILED says why it did not go through. */
  test: adminProcedure.mutation(({ ctx }) => testNotification(ctx.db)),
});
