import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { trustedKeys } from '@/server/managers/store';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, callerAs, expectCode, freshCell, setUp } from '../../helpers/db';

const pemOf = (curve: string) =>
  generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const COSIGN_PUB = fs.readFileSync(path.resolve('tests/fixtures/cosign/cosign.pub'), 'utf8');

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  await setUp(db);
});

describe('trusted store keys', () => {
  it('are added, listed with their fingerprint, audited and removed', async () => {
    const api = admin(db);
    const added = await api.store.keys.add({ name: 'cosign test key', pem: COSIGN_PUB });
    expect(added.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await api.store.keys.list()).toEqual([
      expect.objectContaining({ name: 'cosign test key', fingerprint: added.fingerprint, source: 'cell' }),
    ]);
    expect(trustedKeys(db).map((k) => k.id)).toEqual(['cosign test key']);
    await api.store.keys.remove({ id: added.id });
    expect(await api.store.keys.list()).toEqual([]);
    const audit = db.select().from(auditEntries).where(eq(auditEntries.procedure, 'store.keys.add')).all();
    expect(audit.map((a) => a.outcome)).toEqual(['started', 'success']);
  });

  it('refuse what is not an ECDSA P-256 public key, and the same key twice, naming the field', async () => {
    const api = admin(db);
    let err = await expectCode(api.store.keys.add({ name: 'p384', pem: pemOf('secp384r1') }), 'BAD_REQUEST');
    expect(err.message).toMatch(/not an ECDSA P-256/);
    expect((err.cause as { field?: string }).field).toBe('pem');
    err = await expectCode(api.store.keys.add({ name: 'junk', pem: 'ssh-ed25519 AAAA' }), 'BAD_REQUEST');
    expect(err.message).toMatch(/pem: Paste a PEM public key/);
    await api.store.keys.add({ name: 'a', pem: COSIGN_PUB });
    err = await expectCode(api.store.keys.add({ name: 'b', pem: COSIGN_PUB }), 'CONFLICT');
    expect(err.message).toMatch(/already trusted, as a/);
    err = await expectCode(api.store.keys.add({ name: 'a', pem: pemOf('prime256v1') }), 'CONFLICT');
    expect(err.message).toMatch(/A key named a already exists/);
    await expectCode(callerAs(db, { id: 5, username: 'p', role: 'peer' }).store.keys.list(), 'FORBIDDEN');
  });

  it('PIC_STORE_TRUSTED_KEYS adds keys from PEM text or a file; they are listed, not removable', async () => {
    const dir = fs.mkdtempSync(path.join('/tmp', 'pic-keys-'));
    const file = path.join(dir, 'keys.pem');
    fs.writeFileSync(file, `${pemOf('prime256v1')}\n${pemOf('prime256v1')}`);
    bindRuntime(db, createRuntime({ ...process.env, PIC_STORE_TRUSTED_KEYS: file }));
    expect(trustedKeys(db)).toHaveLength(2);
    expect((await admin(db).store.keys.list()).map((k) => [k.source, k.id])).toEqual([
      ['environment', null],
      ['environment', null],
    ]);
    bindRuntime(db, createRuntime({ ...process.env, PIC_STORE_TRUSTED_KEYS: COSIGN_PUB }));
    expect(trustedKeys(db)).toHaveLength(1);
    bindRuntime(db, createRuntime({ ...process.env, PIC_STORE_TRUSTED_KEYS: '/nonexistent/keys.pem' }));
    expect(() => trustedKeys(db)).toThrow(/neither PEM keys nor a readable file/);
  });
});
