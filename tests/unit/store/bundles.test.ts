import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trustedKey } from '@/server/managers/store';
import { verifyBundles } from '@/server/managers/store/bundles';
import { sigstoreBundle } from '../../helpers/registry';

const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const keys = [trustedKey('publisher', publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString())];
const DIGEST = `sha256:${'d'.repeat(64)}`;
const expected = { digest: DIGEST, image: `registry.example/pic/files@${DIGEST}` };
const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));

describe('sigstore bundles', () => {
  it('verify under a trusted key when the statement names the pinned digest', () => {
    const bundle = sigstoreBundle(publisher.privateKey, 'registry.example/pic/files', DIGEST);
    expect(verifyBundles([bytes(bundle)], keys, expected)).toEqual({ keyId: 'publisher' });
  });

  it('are refused, each with its own reason: none, changed after signing, not DSSE, for another digest', () => {
    expect(() => verifyBundles([], keys, expected)).toThrow(/is not signed: it has no sigstore bundle/);

    const bundle = sigstoreBundle(publisher.privateKey, 'registry.example/pic/files', DIGEST) as {
      dsseEnvelope: { payload: string };
    };
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
    payload[payload.indexOf('in-toto')] ^= 0x01;
    const changed = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: payload.toString('base64') } };
    expect(() => verifyBundles([bytes(changed)], keys, expected)).toThrow(/does not verify under any trusted key/);

    const { dsseEnvelope: _envelope, ...rest } = bundle as Record<string, unknown>;
    const messageOnly = {
      ...rest,
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: '' }, signature: '' },
    };
    expect(() => verifyBundles([bytes(messageOnly)], keys, expected)).toThrow(/not a signed in-toto statement/);
    expect(() => verifyBundles([Buffer.from('not json')], keys, expected)).toThrow(/not a signed in-toto statement/);

    const other = `sha256:${'e'.repeat(64)}`;
    const forOther = sigstoreBundle(publisher.privateKey, 'registry.example/pic/files', other);
    expect(() => verifyBundles([bytes(forOther)], keys, expected)).toThrow(
      new RegExp(`signed by publisher is for ${other}, not ${DIGEST}`),
    );
  });
});
