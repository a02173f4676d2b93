import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustedKey, verifyImageSignatures } from '@/server/managers/store';
import { readCosignKey, writeCosignKey } from '../../helpers/cosign-key';
import { simpleSigningPayload } from '../../helpers/registry';

const fixture = (name: string) => fs.readFileSync(path.resolve('tests/fixtures/cosign', name), 'utf8');
const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
const DIGEST = `sha256:${'c'.repeat(64)}`;
const IMAGE = `registry.example/pic/radicale@${DIGEST}`;

/** Signs like cosign: ECDSA over SHA-256 of the simple-signing payload, DER, base64. */
const cosignSign = (key: KeyObject) => {
  const payload = simpleSigningPayload(DIGEST, 'registry.example/pic/radicale');
  return { payload, signature: sign('sha256', payload, { key, dsaEncoding: 'der' }).toString('base64') };
};

describe("cosign's private key files", () => {
  it('opens a key file cosign itself wrote (empty password) to the key of its public half', () => {
    const chains = readCosignKey(fixture('conforma-chains.key'), '');
    expect(spki(createPublicKey(chains).export({ type: 'spki', format: 'pem' }).toString())).toBe(
      spki(fixture('conforma-chains.pub')),
    );
    expect(chains.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // A signature made with a key from cosign's file verifies under its public key, as the cell checks it.
    const keys = [trustedKey('conforma', fixture('conforma-chains.pub'))];
    expect(verifyImageSignatures([cosignSign(chains)], keys, { digest: DIGEST, image: IMAGE })).toEqual({
      keyId: 'conforma',
    });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect(() => verifyImageSignatures([cosignSign(stranger)], keys, { digest: DIGEST, image: IMAGE })).toThrow(
      /does not verify under any trusted key/,
    );
  });

  it('refuses a wrong password, and writes files it reads back', () => {
    expect(() => readCosignKey(fixture('conforma-chains.key'), 'guess')).toThrow(/password does not open/);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = writeCosignKey(privateKey, 'correct horse');
    expect(file).toMatch(
      /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/,
    );
    const back = readCosignKey(file, 'correct horse');
    const keys = [trustedKey('publisher', publicKey.export({ type: 'spki', format: 'pem' }).toString())];
    expect(verifyImageSignatures([cosignSign(back)], keys, { digest: DIGEST, image: IMAGE })).toEqual({
      keyId: 'publisher',
    });
    expect(() => readCosignKey(file, '')).toThrow(/password does not open/);
  });
});
