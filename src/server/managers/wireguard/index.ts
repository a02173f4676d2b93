export { applyWireguard, flushWireguardFiles, repairDrift, type ApplyResult, type PeerChange } from './apply';
export { backend as tunnelBackend, interfaceReset, liveStatus } from './interface';
export type { Runner, WgBackend } from './backend';
export { generateKeyPair, generatePresharedKey } from './keys';
export {
  CELL_HOST_INDEX,
  clientModel,
  FIRST_PEER_INDEX,
  hostAddresses,
  isActive,
  lastPeerIndex,
  planOf,
  type Plan,
} from './model';
export { CLIENT_KEY_PLACEHOLDER, renderClientConfig } from './render';
export { cellInfo, decrypted, findServer, serverRow, type PeerRecord, type ServerSettingsRow } from './state';
export { isOnline, type PeerLive } from './status';
export { bumpRevision, ensureServer, getServer, rotateServerKeys, serverStatus, updateServer } from './server';
