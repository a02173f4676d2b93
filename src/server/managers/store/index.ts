/** The service store: signed catalogue, verified images, installs, updates and removals as operations. */
export {
  ImageSignatureError,
  repositoryOf,
  trustedKey,
  verifyImageSignatures,
  type CosignSignature,
  type SignatureProblem,
  type TrustedKey,
} from './cosign';
export { indexKey, IndexSignatureError, signIndex, verifyIndex, type IndexKey } from './index-signature';
export { fetchCosignSignatures, parseImage, RegistryError, signatureTag, type RegistryOptions } from './registry';
export { verifyImage } from './verify';
export { addStoreKey, listStoreKeys, removeStoreKey, trustedKeys } from './keys';
export { bundledManifests, indexKeyId, indexManifests, INDEX_VERSION, refreshIndex } from './catalogue';
export { installService, removeService, type OperationOptions } from './install';
export { updateService } from './update';
export { getOperation, listCatalogue, listInstalled, recentOperations } from './listing';
export { operationDone, storeSettled } from './operation';
export { reconcileServices, recoverOperations, startStore } from './reconcile';
export { firewallServices, serviceVolumes, type ServiceVolume } from './state';
export { removeStoreContainers, replaceVolume } from './engine';
export { ensureServiceImages } from './engine-steps';
export { accountsOfPeer, listAccounts, resetAccountPassword, syncAccounts, type AccountsOutcome } from './accounts';
export { servicesOfPeer, type PeerService } from './peer-services';
export { noticeAccessChange, serviceClients } from './access';
export { serviceRecords } from './dns-records';
export { mailAutoconfig, renderMailAutoconfig } from './mail-autoconfig';
export {
  checkPublicRecords,
  publicRecords,
  publishServiceRecords,
  recordsView,
  republishRecords,
  type PublicRecord,
  type PublicState,
} from './public-records';
export { createAlias, listAliases, removeAlias, updateAlias } from './aliases';
export { syncServiceTls } from './tls';
export { instanceOfTarget, serviceLogLevels, setServiceLogLevel, type ServiceLevel } from './log-levels';
