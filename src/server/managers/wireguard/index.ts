export {
  applyWireguard,
  flushWireguardFiles,
  liveStatus,
  repairDrift,
  useWireguardBackend,
  type ApplyResult,
} from './apply';
export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { peerConfig, peerQr } from './client-config';
export { listPeers, peerById, peerIdOfUser } from './peer-views';
export { createPeer, expirePeers, importPeers, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensureServer, getServer, rotateServerKeys, serverStatus, updateServer } from './server';
