import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settings } from '@/server/db/schema';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeEach(async () => {
  db = freshCell().db;
  await setUp(db);
});

describe('settings', () => {
  it('returns the identity without any token', async () => {
    const s = await admin(db).settings.get();
    expect(s).toMatchObject({
      cellName: 'home',
      domainMode: 'lan',
      domain: 'home.home.arpa',
      timezone: 'Europe/Berlin',
      hasToken: false,
    });
    expect(s).not.toHaveProperty('ddnsTokenEnc');
  });

  it('updates name, time zone and domain mode', async () => {
    const s = await admin(db).settings.update({
      cellName: 'cabin',
      timezone: 'America/New_York',
      domainMode: 'http01',
      domain: 'Cabin.Example.org',
    });
    expect(s).toMatchObject({
      cellName: 'cabin',
      timezone: 'America/New_York',
      domainMode: 'http01',
      domain: 'cabin.example.org',
    });
  });

  it('needs a token when switching to a token mode, then keeps it when omitted', async () => {
    const err = await expectCode(
      admin(db).settings.update({ cellName: 'home', timezone: 'UTC', domainMode: 'cloudflare', domain: 'example.org' }),
      'BAD_REQUEST',
    );
    expect(err.message).toContain('Cloudflare API token is required');
    expect(db.select().from(settings).get()?.domainMode).toBe('lan');
    await admin(db).settings.update({
      cellName: 'home',
      timezone: 'UTC',
      domainMode: 'cloudflare',
      domain: 'example.org',
      ddnsToken: 'cf-token-123456',
    });
    const kept = await admin(db).settings.update({
      cellName: 'home2',
      timezone: 'UTC',
      domainMode: 'cloudflare',
      domain: 'example.org',
    });
    expect(kept.hasToken).toBe(true);
    const lan = await admin(db).settings.update({ cellName: 'home2', timezone: 'UTC', domainMode: 'lan' });
    expect(lan.hasToken).toBe(false);
  });

  it('refuses hostile names before they are stored', async () => {
    for (const cellName of ['a\nb', 'x;rm', 'a{b}', '"q"', 'a'.repeat(64), '-lead']) {
      await expectCode(admin(db).settings.update({ cellName, timezone: 'UTC', domainMode: 'lan' }), 'BAD_REQUEST');
    }
    expect(db.select().from(settings).get()?.cellName).toBe('home');
  });
});
