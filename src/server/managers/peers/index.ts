export { claimLoginLink, createPeerLogin, linkStatus } from './logins';
export { peerConfig, peerQr } from './client-config';
export { listPeers, peerById, peerIdOfUser, peerNames, peerTraffic, portalLogins, type PeerView } from './peer-views';
export { cellTrafficSeries, pruneTraffic, sampleTraffic, SAMPLE_INTERVAL_MS } from './traffic';
export { importPeers } from './peer-import';
export { expirePeers } from './expiry';
export { createPeer, removePeer, rotatePeerKeys, setPeerEnabled, updatePeer } from './peers';
export { ensurePeerNames } from './names';
export { firewallPeers } from './firewall';
