/**
 * cosign's private key files, as `cosign generate-key-pair` writes them: a PEM block
 * (`ENCRYPTED SIGSTORE PRIVATE KEY`, or `ENCRYPTED COSIGN PRIVATE KEY` from older releases)
 * around JSON that holds the PKCS#8 key sealed with NaCl's secretbox (XSalsa20-Poly1305)
 * under a key derived from the password with scrypt.
 */
import { createPrivateKey, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';

const BLOCK = /-----BEGIN (ENCRYPTED (?:SIGSTORE|COSIGN) PRIVATE KEY)-----([\s\S]+?)-----END \1-----/;

interface Sealed {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

const derive = (password: string, salt: Buffer, { N, r, p }: Sealed['kdf']['params']) =>
  scryptSync(Buffer.from(password, 'utf8'), salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });

/** The private key in a cosign key file, opened with its password (cosign's default is empty). */
export function readCosignKey(pem: string, password: string): KeyObject {
  const block = BLOCK.exec(pem);
  if (!block) throw new Error('not a cosign private key file');
  const sealed = JSON.parse(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64').toString('utf8')) as Sealed;
  if (sealed.kdf.name !== 'scrypt' || sealed.cipher.name !== 'nacl/secretbox')
    throw new Error(`unsupported cosign key: ${sealed.kdf.name}, ${sealed.cipher.name}`);
  const key = derive(password, Buffer.from(sealed.kdf.salt, 'base64'), sealed.kdf.params);
  const plain = nacl.secretbox.open(
    Buffer.from(sealed.ciphertext, 'base64'),
    Buffer.from(sealed.cipher.nonce, 'base64'),
    key,
  );
  if (!plain) throw new Error('the password does not open this cosign key');
  return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
}

/** A private key as cosign writes it (the current header), sealed with the password. */
export function writeCosignKey(key: KeyObject, password: string, params = { N: 32768, r: 8, p: 1 }): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const ciphertext = nacl.secretbox(der, nonce, derive(password, salt, params));
  const sealed: Sealed = {
    kdf: { name: 'scrypt', params, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  const body = Buffer.from(JSON.stringify(sealed))
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${body}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
}
