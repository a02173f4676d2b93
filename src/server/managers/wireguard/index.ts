export { applyWireguard, liveStatus, useWireguardBackend, type ApplyResult } from './apply';
export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { createPeer, expirePeers, listPeers, peerById, peerConfig, peerIdOfUser, peerQr, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensureServer, getServer, rotateServerKeys, serverStatus, updateServer } from './server';
