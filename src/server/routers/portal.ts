import { portalOverview } from '../managers/portal';
import { peerProcedure, router } from '../trpc';

export const portalRouter = router({
  overview: peerProcedure.query(({ ctx }) => portalOverview(ctx.db, ctx.session.id)),
});
