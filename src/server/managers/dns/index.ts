export { applyDns, nextSerial } from './apply';
export { lookupName } from './lookup';
export { countRecords, createRecord, listRecords, removeRecord, updateRecord } from './records';
export { followPublishedAddress, getDnsSettings, updateDnsSettings } from './settings';
export { declareServiceRecords, ensureDns } from './state';
export type { ServiceRecord } from './model';
