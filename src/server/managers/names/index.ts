export {
  CELL_OWNER,
  NAME_SERVER_LABEL,
  peerLabel,
  SERVICE_KINDS,
  serviceOwner,
  type NameKind,
  type NameOwner,
  type NameTarget,
} from './model';
export {
  assertNameFree,
  claimName,
  heldNames,
  heldNamesOf,
  holdName,
  insertName,
  namesOf,
  ownerOf,
  releaseName,
  releaseOwner,
  type HeldName,
} from './state';
