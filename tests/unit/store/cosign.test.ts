import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ImageSignatureError,
  repositoryOf,
  trustedKey,
  verifyImageSignatures,
  type CosignSignature,
  type SignatureProblem,
} from '@/server/managers/store';

// Signatures made by cosign itself: see tests/fixtures/cosign/SOURCE.md (containers/image test data).
const FIXTURES = path.resolve('tests/fixtures/cosign');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
const PREFIX = '\0sigstore-json\n';

/** containers/image's on-disk signature: the payload and the signature annotation. */
function fixtureSignature(name: string): CosignSignature {
  const text = read(name).toString('utf8');
  expect(text.startsWith(PREFIX)).toBe(true);
  const doc = JSON.parse(text.slice(PREFIX.length)) as { payload: string; annotations: Record<string, string> };
  return {
    payload: Buffer.from(doc.payload, 'base64'),
    signature: doc.annotations['dev.cosignproject.cosign/signature']!,
  };
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const cosignKey = trustedKey('cosign', read('cosign.pub').toString());
const otherKey = trustedKey('cosign2', read('cosign2.pub').toString());
const IMAGE = '192.168.64.2:5000/cosign-signed-single-sample';
const validDigest = digestOf(read('valid.manifest.json'));

function refused(fn: () => unknown, problem: SignatureProblem, message: RegExp) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImageSignatureError);
    expect((err as ImageSignatureError).problem).toBe(problem);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a refusal (${problem})`);
}

describe("cosign's own signatures", () => {
  it('the signed manifest digest is the fixture manifest', () => {
    expect(validDigest).toBe('sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00');
  });

  it('a valid signature under the trusted key is accepted, by digest and repository', () => {
    const sig = fixtureSignature('valid.signature');
    expect(
      verifyImageSignatures([sig], [otherKey, cosignKey], {
        digest: validDigest,
        image: `${IMAGE}:latest@${validDigest}`,
      }),
    ).toEqual({
      keyId: 'cosign',
    });
  });

  it('a reference signed with a tag names the same repository', () => {
    const sig = fixtureSignature('with-tag.signature');
    expect(
      verifyImageSignatures([sig], [cosignKey], { digest: validDigest, image: '192.168.64.2:5000/skopeo-signed' }),
    ).toEqual({ keyId: 'cosign' });
  });

  it('is refused under another key', () => {
    refused(
      () =>
        verifyImageSignatures([fixtureSignature('valid.signature')], [otherKey], { digest: validDigest, image: IMAGE }),
      'untrusted',
      /does not verify under any trusted key/,
    );
  });

  it('a signature made with an unknown key is refused', () => {
    refused(
      () =>
        verifyImageSignatures([fixtureSignature('unknown-cosign-key.signature')], [cosignKey], {
          digest: validDigest,
          image: IMAGE,
        }),
      'untrusted',
      /made with another key/,
    );
  });

  it('a modified manifest (another digest) is refused: the signature is for the original', () => {
    const modified = digestOf(read('modified.manifest.json'));
    expect(modified).not.toBe(validDigest);
    refused(
      () =>
        verifyImageSignatures([fixtureSignature('valid.signature')], [cosignKey], { digest: modified, image: IMAGE }),
      'digest',
      new RegExp(`is for ${validDigest}, not for the pinned ${modified}`),
    );
  });

  it('another repository is refused', () => {
    refused(
      () =>
        verifyImageSignatures([fixtureSignature('valid.signature')], [cosignKey], {
          digest: validDigest,
          image: '192.168.64.2:5000/something-else',
        }),
      'reference',
      /is for 192\.168\.64\.2:5000\/cosign-signed-single-sample, not for 192\.168\.64\.2:5000\/something-else/,
    );
  });

  it('one byte flipped in the payload, or in the signature, is refused', () => {
    const sig = fixtureSignature('valid.signature');
    const payload = Buffer.from(sig.payload);
    payload[payload.indexOf('cosign container') + 1] ^= 0x01;
    refused(
      () => verifyImageSignatures([{ ...sig, payload }], [cosignKey], { digest: validDigest, image: IMAGE }),
      'untrusted',
      /payload was changed/,
    );
    const raw = Buffer.from(sig.signature, 'base64');
    raw[raw.length - 5] ^= 0x01;
    refused(
      () =>
        verifyImageSignatures([{ ...sig, signature: raw.toString('base64') }], [cosignKey], {
          digest: validDigest,
          image: IMAGE,
        }),
      'untrusted',
      /does not verify/,
    );
    refused(
      () =>
        verifyImageSignatures([{ ...sig, signature: 'not base64!' }], [cosignKey], {
          digest: validDigest,
          image: IMAGE,
        }),
      'malformed',
      /not a valid ECDSA signature/,
    );
  });

  it('an unsigned image, or a cell without keys, is refused with its own message', () => {
    refused(
      () => verifyImageSignatures([], [cosignKey], { digest: validDigest, image: IMAGE }),
      'unsigned',
      /is not signed/,
    );
    refused(
      () => verifyImageSignatures([fixtureSignature('valid.signature')], [], { digest: validDigest, image: IMAGE }),
      'untrusted',
      /trusts no signing key/,
    );
  });
});

describe('keys and references', () => {
  it('only ECDSA P-256 public keys are trusted keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => trustedKey('rsa', rsa.toString())).toThrow(/not an ECDSA P-256/);
    expect(() => trustedKey('p384', p384.toString())).toThrow(/not an ECDSA P-256/);
    expect(() => trustedKey('junk', 'hello')).toThrow(/not a PEM public key/);
  });

  it('a signature of our own making in the same form verifies the same way', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const digest = `sha256:${'ab'.repeat(32)}`;
    const payload = Buffer.from(
      JSON.stringify({
        critical: {
          identity: { 'docker-reference': 'localhost:5000/pic/radicale' },
          image: { 'docker-manifest-digest': digest },
          type: 'cosign container image signature',
        },
        optional: null,
      }),
    );
    const signature = sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    const key = trustedKey('ours', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(
      verifyImageSignatures([{ payload, signature }], [key], {
        digest,
        image: `localhost:5000/pic/radicale:3@${digest}`,
      }),
    ).toEqual({
      keyId: 'ours',
    });
  });

  it.each([
    ['radicale', 'docker.io/library/radicale'],
    ['radicale:3', 'docker.io/library/radicale'],
    ['mailserver/docker-mailserver:14@sha256:ab', 'docker.io/mailserver/docker-mailserver'],
    ['localhost/pic/x', 'localhost/pic/x'],
    ['localhost:5000/pic/x:1', 'localhost:5000/pic/x'],
    ['ghcr.io/a/b@sha256:cd', 'ghcr.io/a/b'],
  ])('%s is the repository %s', (ref, repo) => {
    expect(repositoryOf(ref)).toBe(repo);
  });
});
