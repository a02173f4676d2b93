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
  restartContainer,
  removeVolume,
  startPull,
  updateComponent,
  moveNetwork,
} from '../managers/containers';
import { adminProcedure, router } from '../trpc';

const byId = z.object({ id: containerRef });

export const containersRouter = router({
  /** Reachability never fails: it is what the page shows when nothing else works. */
  engine: adminProcedure.query(async ({ ctx }) => ({
    engine: await ctx.runtime.engine.status(),
    lastReconcile: lastReconcile(),
  })),
  stack: adminProcedure.query(({ ctx }) => getStack(ctx.db)),
  updateComponent: adminProcedure.input(updateComponentSchema).mutation(async ({ ctx, input }) => {
    const stack = updateComponent(ctx.db, input);
    return { stack, apply: await applyStack(ctx.db) };
  }),
  updateNetwork: adminProcedure.input(updateNetworkSchema).mutation(({ ctx, input }) => moveNetwork(ctx.db, input)),
  reconcile: adminProcedure.mutation(({ ctx }) => reconcile(ctx.db)),

  list: adminProcedure.query(({ ctx }) => listContainers(ctx.runtime.engine)),
  inspect: adminProcedure.input(byId).query(({ ctx, input }) => inspectContainer(ctx.runtime.engine, input.id)),
  start: adminProcedure
    .input(containerActionSchema)
    .mutation(({ ctx, input }) => containerAction(ctx.runtime.engine, input.id, 'start')),
  stop: adminProcedure
    .input(containerActionSchema)
    .mutation(({ ctx, input }) => containerAction(ctx.runtime.engine, input.id, 'stop', input.confirm)),
  restart: adminProcedure.input(containerActionSchema).mutation(({ ctx, input }) => restartContainer(ctx.db, input.id)),
  logs: adminProcedure
    .input(logsSchema)
    .query(({ ctx, input }) => containerLogs(ctx.runtime.engine, input.id, input.tail)),
  /** Streams the last lines, then each new one (server-sent events). */
  followLogs: adminProcedure.input(logsSchema).subscription(async function* ({ ctx, input, signal }) {
    yield* followLogs(ctx.runtime.engine, input.id, input.tail, signal);
  }),

  images: adminProcedure.query(({ ctx }) => listImages(ctx.runtime.engine)),
  pull: adminProcedure.input(pullSchema).mutation(({ ctx, input }) => startPull(ctx.runtime.engine, input.image)),
  pullStatus: adminProcedure.input(pullStatusSchema).query(({ input }) => pullJob(input.jobId)),

  volumes: router({
    list: adminProcedure.query(({ ctx }) => listVolumes(ctx.runtime.engine)),
    create: adminProcedure
      .input(createVolumeSchema)
      .mutation(({ ctx, input }) => createVolume(ctx.runtime.engine, input.name)),
    remove: adminProcedure
      .input(removeVolumeSchema)
      .mutation(({ ctx, input }) => removeVolume(ctx.runtime.engine, input.name)),
  }),
});
