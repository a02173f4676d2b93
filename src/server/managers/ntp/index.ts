/** Time for the cell and its peers: chrony's sources, who may ask, and what the daemon reports. */
export { applyNtp, chronyFiles } from './apply';
export { getNtp, updateNtp } from './settings';
export { DEFAULT_LOCAL_STRATUM, ensureNtp } from './state';
export { ntpStatus, parseTracking } from './status';
