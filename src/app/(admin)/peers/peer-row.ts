import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/routers/_app';

/** One peer as the Peers page lists it: what its table, form, actions and status share. */
export type PeerRow = inferRouterOutputs<AppRouter>['peers']['list']['items'][number];
