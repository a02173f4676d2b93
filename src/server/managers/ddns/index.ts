/** Keeps the cell's public name pointing at its public address. */
export { backoffMs, ddnsCycle, ddnsUpdateNow, REPUBLISH_MS } from './cycle';
export { challengeRecords, type ChallengeRecords } from './challenges';
export { picNgoNameAvailable, providerUrls } from './providers';
export { ddnsStatus, providerFor, updateDdns } from './settings';
export { DEFAULT_SOURCES, ensureDdns } from './state';
export {
  publishDomainRecords,
  publishesRecords,
  withdrawDomainRecords,
  type DomainRecord,
  type Published,
} from './records';
