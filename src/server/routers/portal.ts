import { peerId } from '@/lib/schemas/peers';
import { peerServices, portalOverview } from '../managers/portal';
import { adminProcedure, peerProcedure, router } from '../trpc';

export const portalRouter = router({
  overview: peerProcedure.query(({ ctx }) => portalOverview(ctx.db, ctx.session.id)),
  /** What a peer's portal lists as theirs to use, for the admin's peer page. */
  servicesOf: adminProcedure.input(peerId).query(({ ctx, input }) => peerServices(ctx.db, input.id)),
});
