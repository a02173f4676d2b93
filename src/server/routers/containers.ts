import { z } from 'zod';
import {
  containerActionSchema,
  containerRef,
  createVolumeSchema,
  logsSchema,
  pullSchema,
  pullStatusSchema,
  removeVolumeSchema,
  updateComponentSchema,
  updateNetworkSchema,
} from '@/lib/schemas/containers';
import {
  applyStack,
  containerAction,
  containerLogs,
  createVolume,
  followLogs,
  getStack,
  inspectContainer,
  lastReconcile,
  listContainers,
  listImages,
  listVolumes,
  pullJob,
  reconcile,
  removeVolume,
  startPull,
  updateComponent,
  moveNetwork,
} from '../managers/containers';
import { engineStatus } from '../runtime/docker';
import { adminProcedure, router } from '../trpc';

const byId = z.object({ id: containerRef });

export const containersRouter = router({
  /** Reachability never fails: it is what the page shows when nothing else works. */
  engine: adminProcedure.query(async () => ({ engine: await engineStatus(), lastReconcile: lastReconcile() })),
  stack: adminProcedure.query(({ ctx }) => getStack(ctx.db)),
  updateComponent: adminProcedure.input(updateComponentSchema).mutation(async ({ ctx, input }) => {
    const stack = updateComponent(ctx.db, input);
    return { stack, apply: await applyStack(ctx.db) };
  }),
  updateNetwork: adminProcedure.input(updateNetworkSchema).mutation(({ ctx, input }) => moveNetwork(ctx.db, input)),
  reconcile: adminProcedure.mutation(({ ctx }) => reconcile(ctx.db)),

  list: adminProcedure.query(() => listContainers()),
  inspect: adminProcedure.input(byId).query(({ input }) => inspectContainer(input.id)),
  start: adminProcedure.input(containerActionSchema).mutation(({ input }) => containerAction(input.id, 'start')),
  stop: adminProcedure
    .input(containerActionSchema)
    .mutation(({ input }) => containerAction(input.id, 'stop', input.confirm)),
  restart: adminProcedure.input(containerActionSchema).mutation(({ input }) => containerAction(input.id, 'restart')),
  logs: adminProcedure.input(logsSchema).query(({ input }) => containerLogs(input.id, input.tail)),
  /** Streams the last lines, then each new one (server-sent events). */
  followLogs: adminProcedure.input(logsSchema).subscription(async function* ({ input, signal }) {
    yield* followLogs(input.id, input.tail, signal);
  }),

  images: adminProcedure.query(() => listImages()),
  pull: adminProcedure.input(pullSchema).mutation(({ input }) => startPull(input.image)),
  pullStatus: adminProcedure.input(pullStatusSchema).query(({ input }) => pullJob(input.jobId)),

  volumes: router({
    list: adminProcedure.query(() => listVolumes()),
    create: adminProcedure.input(createVolumeSchema).mutation(({ input }) => createVolume(input.name)),
    remove: adminProcedure.input(removeVolumeSchema).mutation(({ input }) => removeVolume(input.name)),
  }),
});
