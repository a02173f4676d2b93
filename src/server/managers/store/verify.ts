/** Whether an image may run: pinned by digest, and signed for exactly that digest by a trusted key. */
import { ImageSignatureError, verifyImageSignatures, type TrustedKey } from './cosign';
import { fetchCosignSignatures, parseImage, type RegistryOptions } from './registry';

export async function verifyImage(image: string, keys: readonly TrustedKey[], opts: RegistryOptions = {}) {
  const { digest } = parseImage(image);
  if (!digest) throw new ImageSignatureError('malformed', `${image} is not pinned by digest`);
  const signatures = await fetchCosignSignatures(image, digest, opts);
  return verifyImageSignatures(signatures, keys, { digest, image });
}
