export {
  containerAction,
  containerLogs,
  followLogs,
  inspectContainer,
  listContainers,
  stopConsequence,
  type ContainerSummary,
} from './containers';
export { listImages, pullJob, startPull, type PullJob } from './images';
export {
  applyStack,
  desiredFingerprint,
  lastReconcile,
  moveNetwork,
  reconcile,
  type ReconcileReport,
} from './reconcile';
export { desiredStack, ensureStack, getStack, trustedProxies, updateComponent, updateNetwork } from './stack';
export { createVolume, listVolumes, removeVolume } from './volumes';
