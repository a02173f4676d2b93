export { applyWireguard, liveStatus, useWireguardBackend, type ApplyResult } from './apply';
export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { peerConfig, peerQr } from './client-config';
export { createPeer, expirePeers, listPeers, peerById, peerIdOfUser, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensureServer, getServer, rotateServerKeys, serverStatus, updateServer } from './server';
