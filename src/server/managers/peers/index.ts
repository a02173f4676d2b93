export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { peerConfig, peerQr } from './client-config';
export { listPeers, peerById, peerIdOfUser } from './peer-views';
export { importPeers } from './peer-import';
export { expirePeers } from './expiry';
export { createPeer, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensurePeerNames } from './names';
