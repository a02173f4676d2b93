export { applyDns, nextSerial } from './apply';
export { lookupName } from './lookup';
export { createRecord, listRecords, removeRecord, updateRecord } from './records';
export { followPublishedAddress, getDnsSettings, updateDnsSettings } from './settings';
export { ensureDns } from './state';
