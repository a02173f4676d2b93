/**
 * Sigstore bundles (v0.3) that cosign attaches to an image as OCI referrers
 * (`cosign sign --new-bundle-format`): a DSSE envelope over an in-toto statement whose
 * subject is the image's manifest digest, signed with the publisher's key. Verified with
 * `@sigstore/verify` against the cell's trusted keys alone: the cell works offline, so
 * transparency-log entries and timestamps are not required and not relied on, exactly as
 * for cosign's simple signatures.
 */
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { ImageSignatureError, type TrustedKey } from './cosign';

export const BUNDLE_ARTIFACT = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';

/** Trusts nothing but the key it is given (no CAs, logs or timestamp authorities). */
const EMPTY_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

function parse(bytes: Buffer): Bundle | null {
  try {
    const bundle = bundleFromJSON(JSON.parse(bytes.toString('utf8')));
    if (bundle.content.$case !== 'dsseEnvelope' || bundle.verificationMaterial.content.$case !== 'publicKey')
      return null;
    // Offline, a log entry cannot be checked: the key decides, as for a simple signature.
    return { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: [] } } as Bundle;
  } catch {
    return null;
  }
}

function verifiesUnder(bundle: Bundle, key: TrustedKey): boolean {
  const material = toTrustMaterial(EMPTY_ROOT as never, () => ({ publicKey: key.key, validFor: () => true }));
  const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  try {
    verifier.verify(toSignedEntity(bundle));
    return true;
  } catch {
    return false;
  }
}

/** The sha256 digests an in-toto statement's subjects name. */
function subjects(bundle: Bundle): string[] | null {
  if (bundle.content.$case !== 'dsseEnvelope') return null;
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO) return null;
  try {
    const statement = JSON.parse(envelope.payload.toString('utf8')) as {
      subject?: { digest?: { sha256?: unknown } }[];
    };
    return (statement.subject ?? []).flatMap((s) =>
      typeof s.digest?.sha256 === 'string' ? [`sha256:${s.digest.sha256}`] : [],
    );
  } catch {
    return null;
  }
}

/**
 * Accepts the image when a bundle verifies under a trusted key and its statement's subject
 * is the pinned digest; otherwise throws with the most telling problem.
 */
export function verifyBundles(
  bundles: readonly Buffer[],
  keys: readonly TrustedKey[],
  expected: { digest: string; image: string },
): { keyId: string } {
  if (!bundles.length)
    throw new ImageSignatureError('unsigned', `${expected.image} is not signed: it has no sigstore bundle`);
  let problem: ImageSignatureError | null = null;
  for (const bytes of bundles) {
    const bundle = parse(bytes);
    const named = bundle && subjects(bundle);
    if (!bundle || !named) {
      problem ??= new ImageSignatureError(
        'malformed',
        'A sigstore bundle of the image is not a signed in-toto statement',
      );
      continue;
    }
    const key = keys.find((k) => verifiesUnder(bundle, k));
    if (!key) {
      problem =
        problem?.problem === 'digest'
          ? problem
          : new ImageSignatureError(
              'untrusted',
              `The sigstore bundle of ${expected.image} does not verify under any trusted key`,
            );
      continue;
    }
    if (named.includes(expected.digest)) return { keyId: key.id };
    problem = new ImageSignatureError(
      'digest',
      `A sigstore bundle signed by ${key.id} is for ${named.join(', ') || 'no digest'}, not ${expected.digest}`,
    );
  }
  throw problem!;
}
