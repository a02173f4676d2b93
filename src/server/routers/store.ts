import { z } from 'zod';
import { addStoreKeySchema } from '@/lib/schemas/store-keys';
import { addStoreKey, listStoreKeys, removeStoreKey } from '../managers/store';
import { adminProcedure, router } from '../trpc';

/** The service store. So far: the keys whose image signatures the cell accepts. */
export const storeRouter = router({
  keys: router({
    list: adminProcedure.query(({ ctx }) => listStoreKeys(ctx.db)),
    add: adminProcedure.input(addStoreKeySchema).mutation(({ ctx, input }) => addStoreKey(ctx.db, input)),
    remove: adminProcedure
      .input(z.object({ id: z.number().int().positive() }))
      .mutation(({ ctx, input }) => removeStoreKey(ctx.db, input.id)),
  }),
});
