/** The service store: signed catalogue, verified images, installs. So far: image signature verification. */
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
