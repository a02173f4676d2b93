/**
 * Cosign signatures of container images, verified before anything of a store service runs.
 * A signature is cosign's simple-signing payload (JSON naming the image's manifest digest
 * and repository) with an ECDSA P-256 signature over its exact bytes. An image is accepted
 * only when one of its signatures verifies under a trusted key and names exactly the pinned
 * digest and the image's repository. There is no switch that turns this off.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { repositoryOf } from './image-ref';

export { repositoryOf };

/** Why an image was refused; each has its own message. */
export type SignatureProblem = 'unsigned' | 'malformed' | 'untrusted' | 'digest' | 'reference';

export class ImageSignatureError extends Error {
  constructor(
    readonly problem: SignatureProblem,
    message: string,
  ) {
    super(message);
  }
}

/** One signature as cosign attaches it: the payload's bytes and the base64 DER signature annotation. */
export interface CosignSignature {
  payload: Buffer;
  signature: string;
}

export interface TrustedKey {
  id: string;
  key: KeyObject;
}

/** A trusted key from its PEM form: an ECDSA P-256 public key (what `cosign generate-key-pair` makes). */
export function trustedKey(id: string, pem: string): TrustedKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ImageSignatureError('malformed', `Key ${id} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new ImageSignatureError('malformed', `Key ${id} is not an ECDSA P-256 public key`);
  return { id, key };
}

interface Payload {
  digest: string;
  reference: string;
}

function readPayload(bytes: Buffer): Payload | null {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as {
      critical?: { type?: unknown; image?: Record<string, unknown>; identity?: Record<string, unknown> };
    };
    const digest = doc.critical?.image?.['docker-manifest-digest'];
    const reference = doc.critical?.identity?.['docker-reference'];
    if (doc.critical?.type !== 'cosign container image signature') return null;
    if (typeof digest !== 'string' || typeof reference !== 'string') return null;
    return { digest, reference };
  } catch {
    return null;
  }
}

/** The trusted key the signature verifies under, if any. */
function signer(sig: CosignSignature, keys: readonly TrustedKey[]): TrustedKey | null | 'malformed' {
  const raw = Buffer.from(sig.signature, 'base64');
  if (!raw.length || raw.toString('base64') !== sig.signature.replace(/\s/g, '')) return 'malformed';
  for (const k of keys) {
    try {
      if (verify('sha256', sig.payload, { key: k.key, dsaEncoding: 'der' }, raw)) return k;
    } catch {
      return 'malformed';
    }
  }
  return null;
}

/**
 * Accepts the image when one signature verifies under a trusted key and names the pinned
 * digest and the image's repository; otherwise throws with the most telling problem: a
 * trusted signature for another image says so rather than "untrusted".
 */
export function verifyImageSignatures(
  signatures: readonly CosignSignature[],
  keys: readonly TrustedKey[],
  expected: { digest: string; image: string },
): { keyId: string } {
  const image = expected.image.split('@')[0]!;
  if (!signatures.length)
    throw new ImageSignatureError('unsigned', `${image} is not signed: it has no cosign signature`);
  if (!keys.length)
    throw new ImageSignatureError('untrusted', 'The cell trusts no signing key yet: add the publisher key first');
  const problems: ImageSignatureError[] = [];
  for (const sig of signatures) {
    const by = signer(sig, keys);
    if (by === 'malformed') {
      problems.push(new ImageSignatureError('malformed', `A signature of ${image} is not a valid ECDSA signature`));
      continue;
    }
    if (!by) {
      problems.push(
        new ImageSignatureError(
          'untrusted',
          `The signature of ${image} does not verify under any trusted key: it was made with another key, or the signed payload was changed`,
        ),
      );
      continue;
    }
    // Only a payload the signature covers is read.
    const payload = readPayload(sig.payload);
    if (!payload) {
      problems.push(
        new ImageSignatureError('malformed', `The signed payload of ${image} is not a cosign image signature`),
      );
      continue;
    }
    if (payload.digest !== expected.digest) {
      problems.push(
        new ImageSignatureError(
          'digest',
          `The signature (key ${by.id}) is for ${payload.digest}, not for the pinned ${expected.digest}`,
        ),
      );
      continue;
    }
    if (repositoryOf(payload.reference) !== repositoryOf(image)) {
      problems.push(
        new ImageSignatureError(
          'reference',
          `The signature (key ${by.id}) is for ${payload.reference}, not for ${repositoryOf(image)}`,
        ),
      );
      continue;
    }
    return { keyId: by.id };
  }
  const rank: SignatureProblem[] = ['digest', 'reference', 'untrusted', 'malformed'];
  throw problems.sort((a, b) => rank.indexOf(a.problem) - rank.indexOf(b.problem))[0]!;
}
