/**
 * Whether an image may run: pinned by digest, and signed for exactly that digest by a trusted
 * key, either with cosign's simple signature (the `sha256-<hex>.sig` tag) or with a sigstore
 * bundle attached as an OCI referrer.
 */
import { BUNDLE_ARTIFACT, verifyBundles } from './bundles';
import { ImageSignatureError, verifyImageSignatures, type TrustedKey } from './cosign';
import { fetchCosignSignatures, fetchSigstoreBundles, parseImage, type RegistryOptions } from './registry';

export async function verifyImage(
  image: string,
  keys: readonly TrustedKey[],
  opts: RegistryOptions = {},
): Promise<{ keyId: string; kind: 'cosign signature' | 'sigstore bundle' }> {
  const { digest } = parseImage(image);
  if (!digest) throw new ImageSignatureError('malformed', `${image} is not pinned by digest`);
  const expected = { digest, image };
  const signatures = await fetchCosignSignatures(image, digest, opts);
  let refusal: ImageSignatureError | null = null;
  if (signatures.length) {
    try {
      return { ...verifyImageSignatures(signatures, keys, expected), kind: 'cosign signature' };
    } catch (err) {
      if (!(err instanceof ImageSignatureError)) throw err;
      refusal = err;
    }
  }
  const bundles = await fetchSigstoreBundles(image, digest, { ...opts, artifactType: BUNDLE_ARTIFACT });
  if (!bundles.length) {
    if (refusal) throw refusal;
    throw new ImageSignatureError(
      'unsigned',
      `${image} is not signed: it has no cosign signature and no sigstore bundle`,
    );
  }
  if (!keys.length)
    throw new ImageSignatureError('untrusted', 'The cell trusts no signing key yet: add the publisher key first');
  try {
    return { ...verifyBundles(bundles, keys, expected), kind: 'sigstore bundle' };
  } catch (err) {
    // A simple signature that failed says more than a bundle that failed too, unless the bundle was signed by a trusted key.
    if (refusal && err instanceof ImageSignatureError && err.problem === 'untrusted') throw refusal;
    throw err;
  }
}
