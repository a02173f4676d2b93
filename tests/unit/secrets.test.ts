import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, instanceId } from '@/server/runtime/secrets';
import { freshCell } from '../helpers/db';

describe('secrets', () => {
  it('creates the instance secret and secrets key with mode 0600', () => {
    const { dir } = freshCell();
    encryptSecret('x');
    for (const f of ['instance.secret', 'secrets.key']) {
      expect(fs.statSync(path.join(dir, 'secrets', f)).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(path.join(dir, 'cell.db')).mode & 0o777).toBe(0o600);
  });

  it('round-trips a secret and refuses a tampered one', () => {
    freshCell();
    const sealed = encryptSecret('token-value');
    expect(sealed).not.toContain('token-value');
    expect(decryptSecret(sealed)).toBe('token-value');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(parts.join('.'))).toThrow();
  });

  it('gives two cells different cookie namespaces', () => {
    freshCell();
    const a = instanceId();
    freshCell();
    expect(instanceId()).not.toBe(a);
    expect(instanceId()).toMatch(/^[0-9a-f]{10}$/);
  });
});
