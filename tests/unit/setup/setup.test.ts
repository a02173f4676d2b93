import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settings, users } from '@/server/db/schema';
import { decryptSecret } from '@/server/runtime/secrets';
import { anon, expectCode, freshCell, SETUP, setUp } from '../../helpers/db';

let db: Db;
beforeEach(() => {
  db = freshCell().db;
});

describe('setup', () => {
  it('reports incomplete on a fresh cell and complete after the wizard', async () => {
    expect(await anon(db).setup.status()).toEqual({ complete: false, codeRequired: false });
    const result = await setUp(db);
    expect(result).toEqual({ cellName: 'home', domain: 'home.home.arpa', adminUsername: 'admin' });
    expect(await anon(db).setup.status()).toEqual({ complete: true, codeRequired: false });
  });

  it('stores the admin with a memory-hard hash, never the password', async () => {
    await setUp(db);
    const admin = db.select().from(users).get()!;
    expect(admin).toMatchObject({ username: 'admin', role: 'admin' });
    expect(admin.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(admin.passwordHash).not.toContain(SETUP.adminPassword);
  });

  it('refuses a second completion with CONFLICT and keeps the first identity', async () => {
    await setUp(db);
    await expectCode(setUp(db, { cellName: 'takeover', adminUsername: 'mallory' }), 'CONFLICT');
    expect(db.select().from(settings).get()?.cellName).toBe('home');
    expect(
      db
        .select()
        .from(users)
        .all()
        .map((u) => u.username),
    ).toEqual(['admin']);
  });

  it('yields exactly one admin when completions race', async () => {
    const attempts = Array.from({ length: 6 }, (_, i) => setUp(db, { adminUsername: `admin${i}` }));
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.code).toBe('CONFLICT');
    }
    expect(db.select().from(users).all()).toHaveLength(1);
  });

  it('names each invalid field with its reason', async () => {
    const err = await expectCode(
      setUp(db, { cellName: '-Bad_Name', adminPassword: 'short', timezone: 'Mars/Olympus', domainMode: 'cloudflare' }),
      'BAD_REQUEST',
    );
    expect(err.message).toContain('cellName');
    expect(err.message).toContain('adminPassword: At least 12 characters');
    expect(err.message).toContain('timezone: Not a known IANA time zone');
    expect(err.message).toContain('domain: A domain is required for Cloudflare');
    expect(await anon(db).setup.status()).toEqual({ complete: false, codeRequired: false });
  });

  it('refuses an admin password that is easy to guess, saying why, and creates nothing', async () => {
    for (const weak of ['aaaaaaaaaaaa', 'Password1234', 'qwertyuiop12']) {
      const err = await expectCode(setUp(db, { adminPassword: weak }), 'BAD_REQUEST');
      expect(err.message).toMatch(/^Too easy to guess/);
      expect((err.cause as { field?: string }).field).toBe('adminPassword');
    }
    expect(await anon(db).setup.status()).toEqual({ complete: false, codeRequired: false });
  });

  it('requires the provider token for token modes and stores it encrypted', async () => {
    await expectCode(setUp(db, { domainMode: 'duckdns', domain: 'myhome.duckdns.org' }), 'BAD_REQUEST');
    await setUp(db, {
      domainMode: 'duckdns',
      domain: 'myhome.duckdns.org',
      ddnsToken: 'a7c4d0ad-114e-40ef-ba1d-d217904a50f2',
    });
    const row = db.select().from(settings).where(eq(settings.id, 1)).get()!;
    expect(row.ddnsTokenEnc).not.toContain('a7c4d0ad');
    expect(decryptSecret(row.ddnsTokenEnc!, 'settings.ddns_token_enc')).toBe('a7c4d0ad-114e-40ef-ba1d-d217904a50f2');
  });

  it('derives the domain in pic_ngo mode from the cell name', async () => {
    const r = await setUp(db, { cellName: 'smiths', domainMode: 'pic_ngo' });
    expect(r.domain).toBe('smiths.pic.ngo');
  });

  it('validates one wizard step with the form schema', async () => {
    expect(await anon(db).setup.validateStep({ step: 'identity', data: { cellName: 'ok-name' } })).toEqual({
      ok: true,
    });
    const err = await expectCode(
      anon(db).setup.validateStep({
        step: 'admin',
        data: { adminUsername: 'a', adminPassword: 'long enough pw', confirmPassword: 'other' },
      }),
      'BAD_REQUEST',
    );
    expect(err.message).toBe('Passwords do not match');
  });

  it('closes the step validation too once set up', async () => {
    await setUp(db);
    await expectCode(anon(db).setup.validateStep({ step: 'identity', data: { cellName: 'x' } }), 'CONFLICT');
  });
});
