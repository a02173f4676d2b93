import { updateWireguardSchema } from '@/lib/schemas/wireguard';
import { getServer, rotateServerKeys, serverStatus, updateServer } from '../managers/wireguard';
import { adminProcedure, router } from '../trpc';

export const wireguardRouter = router({
  get: adminProcedure.query(({ ctx }) => getServer(ctx.db)),
  update: adminProcedure.input(updateWireguardSchema).mutation(({ ctx, input }) => updateServer(ctx.db, input)),
  status: adminProcedure.query(({ ctx }) => serverStatus(ctx.db)),
  rotateKeys: adminProcedure.mutation(({ ctx }) => rotateServerKeys(ctx.db)),
});
