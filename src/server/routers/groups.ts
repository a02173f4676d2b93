import { z } from 'zod';
import { createGroupSchema, updateGroupSchema } from '@/lib/schemas/firewall';
import { createGroup, listGroups, removeGroup, updateGroup } from '../managers/firewall';
import { adminProcedure, router } from '../trpc';

/** Peer groups: defaults for peer-to-peer, the services members may use and their routing policy. */
export const groupsRouter = router({
  list: adminProcedure.query(({ ctx }) => listGroups(ctx.db)),
  create: adminProcedure
    .input(createGroupSchema)
    .mutation(({ ctx, input }) => createGroup(ctx.db, input, ctx.clientAddress)),
  update: adminProcedure
    .input(updateGroupSchema)
    .mutation(({ ctx, input }) => updateGroup(ctx.db, input, ctx.clientAddress)),
  remove: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => removeGroup(ctx.db, input.id, ctx.clientAddress)),
});
