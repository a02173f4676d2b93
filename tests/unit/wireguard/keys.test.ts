import { describe, expect, it } from 'vitest';
import { generateKeyPair, generatePresharedKey, publicKeyOf } from '@/server/managers/wireguard/keys';

const KEY = /^[A-Za-z0-9+/]{43}=$/;

describe('WireGuard keys', () => {
  it('a generated pair is 32-byte keys in base64 whose public half is the private half’s public key', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { privateKey, publicKey } = generateKeyPair();
      expect(privateKey).toMatch(KEY);
      expect(publicKey).toMatch(KEY);
      expect(publicKeyOf(privateKey)).toBe(publicKey);
      seen.add(privateKey);
    }
    expect(seen.size).toBe(200);
  });

  it('a known private key gives its known public key (RFC 7748 test vector)', () => {
    const alicePrivate = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    const alicePublic = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');
    expect(publicKeyOf(alicePrivate.toString('base64'))).toBe(alicePublic.toString('base64'));
  });

  it('a preshared key is 32 random bytes', () => {
    expect(generatePresharedKey()).toMatch(KEY);
    expect(generatePresharedKey()).not.toBe(generatePresharedKey());
  });
});
