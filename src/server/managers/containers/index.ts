export {
  containerAction,
  containerLogs,
  followLogs,
  inspectContainer,
  listContainers,
  stopConsequence,
  type ContainerSummary,
} from './containers';
export { imagePresent, listImages, pullImage, pullJob, startPull, type PullJob } from './images';
export { applyStack, lastReconcile, moveNetwork, reconcile, restartContainer, type ReconcileReport } from './reconcile';
export {
  componentLogLevel,
  desiredFingerprint,
  desiredStack,
  enableChosenServices,
  ensureStack,
  getStack,
  publishAddress,
  trustedProxies,
  updateComponent,
  updateNetwork,
} from './stack';
export { createVolume, listVolumes, removeVolume } from './volumes';
export { engineOptions } from './options';
export { LABEL_MANAGED, LABEL_HASH, LABEL_STACK, NETWORK_NAME, type EngineSpec } from './spec';
