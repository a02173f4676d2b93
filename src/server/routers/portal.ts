import { peerId } from '@/lib/schemas/peers';
import { resetServicePasswordSchema } from '@/lib/schemas/store-ops';
import { peerServices, portalOverview, portalServices, resetServicePassword } from '../managers/portal';
import { adminProcedure, peerProcedure, router } from '../trpc';

export const portalRouter = router({
  overview: peerProcedure.query(({ ctx }) => portalOverview(ctx.db, ctx.session.id)),
  /** The peer's accounts on the store's services, with host, port, username and client settings. */
  services: peerProcedure.query(({ ctx }) => portalServices(ctx.db, ctx.session.id)),
  /** A new password for the peer's own account on a service, returned this once. */
  resetServicePassword: peerProcedure
    .input(resetServicePasswordSchema)
    .mutation(({ ctx, input }) => resetServicePassword(ctx.db, ctx.session.id, input.service)),
  /** What a peer's portal lists as theirs to use, for the admin's peer page. */
  servicesOf: adminProcedure.input(peerId).query(({ ctx, input }) => peerServices(ctx.db, input.id)),
});
