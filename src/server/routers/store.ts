import { z } from 'zod';
import { addStoreKeySchema } from '@/lib/schemas/store-keys';
import {
  accountsSchema,
  aliasCreateSchema,
  aliasIdSchema,
  aliasUpdateSchema,
  instanceSchema,
  installSchema,
  instanceId,
  operationSchema,
  recordsSchema,
  removeSchema,
  resetAccountSchema,
  updateSchema,
} from '@/lib/schemas/store-ops';
import {
  addStoreKey,
  getOperation,
  installService,
  listAccounts,
  listCatalogue,
  listInstalled,
  listStoreKeys,
  recentOperations,
  createAlias,
  listAliases,
  publishServiceRecords,
  removeAlias,
  updateAlias,
  recordsView,
  removeService,
  removeStoreKey,
  resetAccountPassword,
  updateService,
} from '../managers/store';
import { adminProcedure, router } from '../trpc';

/** The trail keeps which questions were answered, never the answers (some are passwords by the form's word). */
const answerNames = (input: unknown) => {
  const i = input as { id?: unknown; answers?: Record<string, unknown> };
  return { id: i?.id, answered: i?.answers && typeof i.answers === 'object' ? Object.keys(i.answers) : [] };
};

/** The service store: its catalogue, installs, updates and removals, and the keys images must be signed with. */
export const storeRouter = router({
  catalogue: adminProcedure
    .input(z.object({ refresh: z.boolean().default(false) }).default({ refresh: false }))
    .query(({ ctx, input }) => listCatalogue(ctx.db, input)),
  installed: adminProcedure.query(({ ctx }) => listInstalled(ctx.db)),
  install: adminProcedure
    .meta({ access: 'admin', auditInput: answerNames })
    .input(installSchema)
    .mutation(({ ctx, input }) => installService(ctx.db, input)),
  operation: adminProcedure.input(operationSchema).query(({ ctx, input }) => getOperation(ctx.db, input.operationId)),
  operations: adminProcedure
    .input(z.object({ instanceId: instanceId.optional() }).default({}))
    .query(({ ctx, input }) => recentOperations(ctx.db, input.instanceId)),
  update: adminProcedure.input(updateSchema).mutation(({ ctx, input }) => updateService(ctx.db, input)),
  remove: adminProcedure.input(removeSchema).mutation(({ ctx, input }) => removeService(ctx.db, input)),
  /** Peers' accounts on a service: who has one, never a password; a reset shows the new one once. */
  accounts: router({
    list: adminProcedure.input(accountsSchema).query(({ ctx, input }) => listAccounts(ctx.db, input.instanceId)),
    resetPassword: adminProcedure
      .input(resetAccountSchema)
      .mutation(({ ctx, input }) => resetAccountPassword(ctx.db, input.instanceId, input.peerId)),
  }),
  /** Addresses that deliver to accounts (mail's family@): to the peers and the groups' members named. */
  aliases: router({
    list: adminProcedure.input(instanceSchema).query(({ ctx, input }) => listAliases(ctx.db, input.instanceId)),
    create: adminProcedure.input(aliasCreateSchema).mutation(({ ctx, input }) => createAlias(ctx.db, input)),
    update: adminProcedure.input(aliasUpdateSchema).mutation(({ ctx, input }) => updateAlias(ctx.db, input)),
    remove: adminProcedure.input(aliasIdSchema).mutation(({ ctx, input }) => removeAlias(ctx.db, input.id)),
  }),
  /** The records the service needs in the domain, as the public side must hold them. */
  records: adminProcedure
    .input(recordsSchema)
    .query(({ ctx, input }) => recordsView(ctx.db, input.instanceId, input.check)),
  /** Sends those records to the DNS provider (the Cloudflare domain mode), changing only what the cell made. */
  publishRecords: adminProcedure
    .input(instanceSchema)
    .mutation(({ ctx, input }) => publishServiceRecords(ctx.db, input.instanceId)),
  keys: router({
    list: adminProcedure.query(({ ctx }) => listStoreKeys(ctx.db)),
    add: adminProcedure.input(addStoreKeySchema).mutation(({ ctx, input }) => addStoreKey(ctx.db, input)),
    remove: adminProcedure
      .input(z.object({ id: z.number().int().positive() }))
      .mutation(({ ctx, input }) => removeStoreKey(ctx.db, input.id)),
  }),
});
