export { applyDns, nextSerial } from './apply';
export { lookupName } from './lookup';
export { createRecord, listRecords, removeRecord, updateRecord } from './records';
export { getDnsSettings, updateDnsSettings } from './settings';
export { registerServiceNames, unregisterServiceNames } from './state';
