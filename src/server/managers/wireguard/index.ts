export {
  applyWireguard,
  flushWireguardFiles,
  interfaceReset,
  liveStatus,
  repairDrift,
  type ApplyResult,
} from './apply';
export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { peerConfig, peerQr } from './client-config';
export { listPeers, peerById, peerIdOfUser } from './peer-views';
export { importPeers } from './peer-import';
export { createPeer, expirePeers, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensurePeerNames } from './names';
export { CELL_HOST_INDEX, hostAddresses, planOf } from './model';
export { findServer } from './state';
export { ensureServer, getServer, rotateServerKeys, serverStatus, updateServer } from './server';
