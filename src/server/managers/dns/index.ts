export { applyDns, currentDnsFiles, nextSerial } from './apply';
export { lookupName } from './lookup';
export { automaticNames, peerLabel, renderDnsFiles } from './model';
export { createRecord, listRecords, removeRecord, updateRecord } from './records';
export { getDnsSettings, updateDnsSettings } from './settings';
export { assertPeerNameFree, cellLabelOwner, ensureDns, registerServiceNames, unregisterServiceNames } from './state';
