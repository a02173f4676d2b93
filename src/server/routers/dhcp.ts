import { z } from 'zod';
import { reservationInput, updateDhcpInput } from '@/lib/schemas/dhcp';
import { createReservation, getDhcp, listReservations, removeReservation, updateDhcp } from '../managers/dhcp';
import { adminProcedure, router } from '../trpc';

export const dhcpRouter = router({
  get: adminProcedure.query(({ ctx }) => getDhcp(ctx.db)),
  update: adminProcedure.input(updateDhcpInput).mutation(({ ctx, input }) => updateDhcp(ctx.db, input)),
  reservations: adminProcedure.query(({ ctx }) => listReservations(ctx.db)),
  createReservation: adminProcedure
    .input(reservationInput)
    .mutation(({ ctx, input }) => createReservation(ctx.db, input)),
  removeReservation: adminProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => removeReservation(ctx.db, input.id)),
});
