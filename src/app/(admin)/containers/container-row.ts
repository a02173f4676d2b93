import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/routers/_app';

/** One container as the Containers page lists it, shared by its table and its dialogs. */
export type ContainerRow = inferRouterOutputs<AppRouter>['containers']['list'][number];
