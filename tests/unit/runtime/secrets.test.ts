import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { resealLegacySecrets } from '@/server/db/reseal';
import { settings } from '@/server/db/schema';
import { decryptSecret, encryptSecret, instanceId, keys } from '@/server/runtime/secrets';
import { freshCell, setUp } from '../../helpers/db';

describe('secrets', () => {
  it('creates the instance secret, the secrets key and the database with its -wal and -shm at mode 0600', () => {
    const { dir, db } = freshCell();
    encryptSecret('x', 'settings.ddns_token_enc');
    db.update(settings).set({ timezone: 'UTC' }).run();
    for (const f of ['secrets/instance.secret', 'secrets/secrets.key', 'cell.db', 'cell.db-wal', 'cell.db-shm']) {
      expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
  });

  it('round-trips a secret and refuses a tampered one', () => {
    freshCell();
    const sealed = encryptSecret('token-value', 'settings.ddns_token_enc');
    expect(sealed).not.toContain('token-value');
    expect(decryptSecret(sealed, 'settings.ddns_token_enc')).toBe('token-value');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(parts.join('.'), 'settings.ddns_token_enc')).toThrow();
  });

  it('binds a value to its table and column: copied into another, it does not open', () => {
    freshCell();
    const caKey = encryptSecret('-----BEGIN RSA PRIVATE KEY-----', 'ca_authorities.key_enc');
    expect(() => decryptSecret(caKey, 'settings.ddns_token_enc')).toThrow();
    expect(decryptSecret(caKey, 'ca_authorities.key_enc')).toBe('-----BEGIN RSA PRIVATE KEY-----');
  });

  it('seals values stored before slots existed again, bound, at start', async () => {
    const { db } = freshCell();
    await setUp(db, { domainMode: 'duckdns', domain: 'myhome.duckdns.org', ddnsToken: 'legacy-token-1234' });
    // A v1 value as the cell stored it before: AES-GCM without associated data.
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', keys().secretsKey, iv);
    const ct = Buffer.concat([cipher.update('legacy-token-1234'), cipher.final()]);
    const v1 = ['v1', iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
    db.update(settings).set({ ddnsTokenEnc: v1 }).run();
    expect(resealLegacySecrets(db.$client)).toBe(1);
    const row = db.select().from(settings).where(eq(settings.id, 1)).get()!;
    expect(row.ddnsTokenEnc).toMatch(/^v2\./);
    expect(decryptSecret(row.ddnsTokenEnc!, 'settings.ddns_token_enc')).toBe('legacy-token-1234');
    expect(resealLegacySecrets(db.$client)).toBe(0);
  });

  it('gives two cells different cookie namespaces', () => {
    freshCell();
    const a = instanceId();
    freshCell();
    expect(instanceId()).not.toBe(a);
    expect(instanceId()).toMatch(/^[0-9a-f]{10}$/);
  });

  it('first starts racing each other all end up with the same keys', async () => {
    const { dir } = freshCell();
    fs.rmSync(path.join(dir, 'secrets'), { recursive: true, force: true });
    const script =
      "import('./src/server/runtime/secrets.ts').then((i) => { const m = i.instanceId ? i : i.default; console.log(m.instanceId(), m.keys().secretsKey.toString('hex')); })";
    const run = () =>
      promisify(execFile)('node', ['--import', 'tsx', '-e', script], {
        env: { ...process.env, PIC_DATA_DIR: dir },
      }).then((r) => r.stdout.trim());
    const outputs = await Promise.all([run(), run(), run(), run()]);
    expect(new Set(outputs).size).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'secrets')).sort()).toEqual(['instance.secret', 'secrets.key']);
  });
});
