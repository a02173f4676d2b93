import crypto from 'node:crypto';

/**
 * X25519 key pairs in WireGuard's base64 form, through node:crypto (no `wg genkey`). The
 * keys come out already encoded (DER, whose last 32 bytes are the raw key): exporting a
 * freshly generated KeyObject can deadlock Node 20 when the collector finalizes the job
 * that made it during the export (both lock the key's mutex), and it did, under a burst
 * of creates.
 */
export function generateKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return {
    privateKey: privateKey.subarray(-32).toString('base64'),
    publicKey: publicKey.subarray(-32).toString('base64'),
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
