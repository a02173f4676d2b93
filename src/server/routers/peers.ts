import { wgKey } from '@/lib/schemas/common';
import { importPeersSchema } from '@/lib/schemas/peer-import';
import {
  createLoginSchema,
  createPeerSchema,
  listPeersSchema,
  peerId,
  peerTrafficSchema,
  setPeerEnabledSchema,
  updatePeerSchema,
} from '@/lib/schemas/peers';
import {
  createPeer,
  createPeerLogin,
  importPeers,
  listPeers,
  peerById,
  peerConfig,
  peerQr,
  peerTraffic,
  removePeer,
  rotatePeerKeys,
  setPeerEnabled,
  updatePeer,
} from '../managers/peers';
import { adminProcedure, authedProcedure, router } from '../trpc';

export const peersRouter = router({
  list: adminProcedure.input(listPeersSchema).query(({ ctx, input }) => listPeers(ctx.db, input)),
  // byId, config and qr: admins see any peer, a peer only its own.
  byId: authedProcedure.input(peerId).query(({ ctx, input }) => peerById(ctx.db, input.id, ctx.session)),
  create: adminProcedure.input(createPeerSchema).mutation(({ ctx, input }) => createPeer(ctx.db, input)),
  /** Up to 1,000 peers from a CSV, all or nothing, applied once. */
  importMany: adminProcedure.input(importPeersSchema).mutation(({ ctx, input }) => importPeers(ctx.db, input.csv)),
  update: adminProcedure.input(updatePeerSchema).mutation(({ ctx, input }) => updatePeer(ctx.db, input)),
  setEnabled: adminProcedure
    .input(setPeerEnabledSchema)
    .mutation(({ ctx, input }) => setPeerEnabled(ctx.db, input.id, input.enabled)),
  rotateKeys: adminProcedure
    .input(peerId.extend({ publicKey: wgKey.optional() }))
    .mutation(({ ctx, input }) => rotatePeerKeys(ctx.db, input.id, input.publicKey)),
  remove: adminProcedure.input(peerId).mutation(({ ctx, input }) => removePeer(ctx.db, input.id)),
  config: authedProcedure.input(peerId).query(({ ctx, input }) => peerConfig(ctx.db, input.id, ctx.session).text),
  /** Bytes received from and sent to the peer per interval over an hour, a day or a week. */
  traffic: authedProcedure.input(peerTrafficSchema).query(({ ctx, input }) => peerTraffic(ctx.db, input, ctx.session)),
  qr: authedProcedure.input(peerId).query(({ ctx, input }) => peerQr(ctx.db, input.id, ctx.session)),
  createLogin: adminProcedure.input(createLoginSchema).mutation(({ ctx, input }) => createPeerLogin(ctx.db, input)),
});
