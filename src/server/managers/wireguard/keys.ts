import crypto from 'node:crypto';

/** X25519 key pairs in WireGuard's base64 form, through node:crypto (no `wg genkey`). */
export function generateKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519');
  const priv = privateKey.export({ format: 'jwk' }).d!;
  const pub = publicKey.export({ format: 'jwk' }).x!;
  return {
    privateKey: Buffer.from(priv, 'base64url').toString('base64'),
    publicKey: Buffer.from(pub, 'base64url').toString('base64'),
  };
}

// PKCS#8 wrapper for a raw X25519 private key (RFC 8410).
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function publicKeyOf(privateKey: string): string {
  const raw = Buffer.from(privateKey, 'base64');
  if (raw.length !== 32) throw new Error('A WireGuard private key is 32 bytes');
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
  return Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

export function generatePresharedKey(): string {
  return crypto.randomBytes(32).toString('base64');
}
