import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { appendAudit, auditCsv, closeInterrupted } from '@/server/managers/audit';
import { redact } from '@/server/managers/audit/chain';
import { admin, anon, callerAs, expectCode, freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeEach(async () => {
  db = freshCell().db;
  await setUp(db);
});

const entries = () => db.select().from(auditEntries).orderBy(auditEntries.id).all();

describe('audit trail', () => {
  it('records a successful mutation with actor, procedure and redacted input', async () => {
    await admin(db).account.changePassword({
      currentPassword: 'correct horse battery',
      newPassword: 'a much better password',
      confirmPassword: 'a much better password',
    });
    const last = entries().at(-1)!;
    expect(last).toMatchObject({
      actor: 'admin',
      actorRole: 'admin',
      procedure: 'account.changePassword',
      outcome: 'success',
      detail: null,
    });
    expect(JSON.parse(last.input)).toEqual({
      currentPassword: '[redacted]',
      newPassword: '[redacted]',
      confirmPassword: '[redacted]',
    });
  });

  it('redacts tokens, passwords and credential headers at any depth', () => {
    const input = {
      domainMode: 'cloudflare',
      ddnsToken: 'cf',
      ddns: { dyndns2: { username: 'me', password: 'pw' } },
      headers: { Authorization: 'Bearer x', Cookie: 'a=b', 'X-Other': 'kept' },
    };
    expect(redact(input)).toEqual({
      domainMode: 'cloudflare',
      ddnsToken: '[redacted]',
      ddns: { dyndns2: { username: 'me', password: '[redacted]' } },
      headers: { Authorization: '[redacted]', Cookie: '[redacted]', 'X-Other': 'kept' },
    });
  });

  it('redacts headers whose names suggest a secret, and credentials inside URLs', () => {
    const input = {
      headers: { 'X-Api-Key': 'k1', 'X-Auth-Token': 't1', 'X-Client-Secret': 's1', 'X-Forwarded-Proto': 'https' },
      ddns: { dyndns2: { server: 'https://me:hunter2@dynupdate.example/nic/update?hostname=h&token=abc&x=1' } },
      sources: ['https://ip.example/?apikey=zzz'],
      publicKey: 'kept: a public key is no secret outside headers',
    };
    expect(redact(input)).toEqual({
      headers: {
        'X-Api-Key': '[redacted]',
        'X-Auth-Token': '[redacted]',
        'X-Client-Secret': '[redacted]',
        'X-Forwarded-Proto': 'https',
      },
      ddns: {
        dyndns2: { server: 'https://me:[redacted]@dynupdate.example/nic/update?hostname=h&token=[redacted]&x=1' },
      },
      sources: ['https://ip.example/?apikey=[redacted]'],
      publicKey: 'kept: a public key is no secret outside headers',
    });
  });

  it('records the setup itself with the password redacted', () => {
    const [started, first] = entries();
    expect(started).toMatchObject({ actor: 'setup', procedure: 'setup.complete', outcome: 'started', ref: null });
    expect(first).toMatchObject({
      actor: 'setup',
      actorRole: 'setup',
      procedure: 'setup.complete',
      outcome: 'success',
      ref: started!.id,
    });
    expect(started!.input).not.toContain('correct horse battery');
    expect(first.input).not.toContain('correct horse battery');
    expect(JSON.parse(first.input).adminPassword).toBe('[redacted]');
  });

  it('records refused mutations: no session, wrong role, bad input', async () => {
    await expectCode(anon(db).settings.update({ cellName: 'x', timezone: 'UTC', domainMode: 'lan' }), 'UNAUTHORIZED');
    await expectCode(
      callerAs(db, { id: 9, username: 'eve', role: 'peer' }).settings.update({
        cellName: 'x',
        timezone: 'UTC',
        domainMode: 'lan',
      }),
      'FORBIDDEN',
    );
    await expectCode(
      admin(db).settings.update({ cellName: 'Bad!', timezone: 'UTC', domainMode: 'lan' }),
      'BAD_REQUEST',
    );
    const refused = entries().filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => [e.actor, e.procedure, e.detail?.split(':')[0]])).toEqual([
      ['anonymous', 'settings.update', 'UNAUTHORIZED'],
      ['eve', 'settings.update', 'FORBIDDEN'],
      ['admin', 'settings.update', 'BAD_REQUEST'],
    ]);
    expect(refused[2]!.detail).toContain('cellName: Only lowercase letters');
  });

  it('does not record queries', async () => {
    const before = entries().length;
    await admin(db).settings.get();
    await admin(db).audit.list({});
    expect(entries()).toHaveLength(before);
  });

  it('verifies an untouched chain', async () => {
    await admin(db).settings.update({ cellName: 'home2', timezone: 'UTC', domainMode: 'lan' });
    // Each change: its `started` entry and its outcome.
    expect(await admin(db).audit.verify()).toEqual({ ok: true, checked: 4 });
  });

  it('a change cut short by a stop is closed as interrupted at the next start; the list hides started entries', async () => {
    const cut = appendAudit(db, {
      actor: 'admin',
      actorRole: 'admin',
      procedure: 'peers.create',
      input: { name: 'half' },
      outcome: 'started',
    });
    expect(closeInterrupted(db)).toBe(1);
    expect(closeInterrupted(db)).toBe(0);
    const closed = entries().at(-1)!;
    expect(closed).toMatchObject({
      procedure: 'peers.create',
      outcome: 'error',
      ref: cut.id,
      detail: expect.stringMatching(/^interrupted: /),
    });
    const listed = await admin(db).audit.list({});
    expect(listed.items.some((e) => e.outcome === 'started')).toBe(false);
    expect((await admin(db).audit.list({ outcome: 'started' })).total).toBe(2);
    expect(await admin(db).audit.verify()).toMatchObject({ ok: true });
  });

  it('detects an entry edited directly in SQLite', async () => {
    for (const name of ['a1', 'a2', 'a3'])
      await admin(db).settings.update({ cellName: name, timezone: 'UTC', domainMode: 'lan' });
    const target = entries()[4]!;
    db.update(auditEntries).set({ actor: 'someone-else' }).where(eq(auditEntries.id, target.id)).run();
    const result = await admin(db).audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadId: target.id, checked: 4 });
  });

  it('detects a removed entry', async () => {
    for (const name of ['a1', 'a2'])
      await admin(db).settings.update({ cellName: name, timezone: 'UTC', domainMode: 'lan' });
    const removed = entries()[1]!;
    db.delete(auditEntries).where(eq(auditEntries.id, removed.id)).run();
    expect(await admin(db).audit.verify()).toMatchObject({ ok: false, firstBadId: removed.id + 1 });
  });

  it('filters and paginates the list', async () => {
    for (let i = 0; i < 5; i++)
      await admin(db).settings.update({ cellName: `n${i}`, timezone: 'UTC', domainMode: 'lan' });
    await expectCode(anon(db).settings.update({ cellName: 'x', timezone: 'UTC', domainMode: 'lan' }), 'UNAUTHORIZED');
    const page = await admin(db).audit.list({ procedure: 'settings.', outcome: 'success', page: 2, pageSize: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((e) => JSON.parse(e.input).cellName)).toEqual(['n2', 'n1']);
    expect((await admin(db).audit.list({ actor: 'anonymous' })).total).toBe(1);
    const future = await admin(db).audit.list({ from: new Date(Date.now() + 60_000) });
    expect(future.total).toBe(0);
  });

  it('exports CSV with a header, one row per entry and neutralised formulas', () => {
    appendAudit(db, {
      actor: '=HYPERLINK("x")',
      actorRole: 'anonymous',
      procedure: 'auth.login',
      input: { username: 'a,b' },
      outcome: 'refused',
      detail: 'line1\nline2',
    });
    const csv = [...auditCsv(db, {})].join('');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,time,actor,role,procedure,outcome,detail,input,prev_hash,hash');
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain('"line1\nline2"');
    expect(csv).toContain('"{""username"":""a,b""}"');
    expect(lines.at(-1)).toMatch(/,[0-9a-f]{64}$/);
  });
});
