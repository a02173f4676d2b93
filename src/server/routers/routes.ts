import { z } from 'zod';
import { routeInput, updateRouteInput } from '@/lib/schemas/routes';
import { createRoute, listRoutes, removeRoute, updateRoute } from '../managers/routes';
import { adminProcedure, router } from '../trpc';

export const routesRouter = router({
  list: adminProcedure.query(({ ctx }) => listRoutes(ctx.db)),
  create: adminProcedure.input(routeInput).mutation(({ ctx, input }) => createRoute(ctx.db, input)),
  update: adminProcedure.input(updateRouteInput).mutation(({ ctx, input }) => updateRoute(ctx.db, input)),
  remove: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => removeRoute(ctx.db, input.id)),
});
