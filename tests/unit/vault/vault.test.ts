import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { certificates } from '@/server/db/schema';
import { statusOf } from '@/server/managers/vault';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeAll(async () => {
  db = freshCell().db;
  await setUp(db);
});

it('refuses bad certificate requests with the field and the reason, issuing nothing', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ commonName: 'nas.cell', sans: ['nas..cell'] }, /^sans\.0: A DNS name like nas\.cell/],
    [{ commonName: 'nas.cell', sans: ['a.cell\nDNS:evil.com'] }, /^sans\.0: /],
    [{ commonName: 'x{y}', sans: ['x.cell'] }, /^commonName: Letters, digits/],
    [{ commonName: 'nas.cell', validityDays: 1000 }, /^validityDays: At most 825 days/],
    [{ commonName: 'my laptop', kind: 'server' }, /^sans: A server certificate needs at least one DNS name/],
  ];
  for (const [input, message] of cases) {
    const err = await expectCode(admin(db).vault.issue(input as never), 'BAD_REQUEST');
    expect(err.message, JSON.stringify(input)).toMatch(message);
  }
  await expectCode(admin(db).vault.revoke({ id: 1, reason: 'because' as never }), 'BAD_REQUEST');
  await expectCode(admin(db).vault.revoke({ id: 42, reason: 'superseded' }), 'NOT_FOUND');
  expect(db.select().from(certificates).all()).toEqual([]);
});

it('calls a certificate valid, expiring within 30 days, expired or revoked', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);
  expect(statusOf({ revokedAt: null, notAfter: inDays(31) }, now)).toBe('valid');
  expect(statusOf({ revokedAt: null, notAfter: inDays(30) }, now)).toBe('expiring');
  expect(statusOf({ revokedAt: null, notAfter: inDays(-1) }, now)).toBe('expired');
  expect(statusOf({ revokedAt: now, notAfter: inDays(100) }, now)).toBe('revoked');
});
