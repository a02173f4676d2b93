import { encode } from 'next-auth/jwt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authSecret, sessionFromCookie } from '@/server/auth/session';
import { cookieNames } from '@/server/auth/cookies';
import type { Db } from '@/server/db';
import { endSessions, sessionEpoch } from '@/server/managers/accounts';
import { freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeEach(async () => {
  db = freshCell().db;
  await setUp(db);
});
afterEach(() => vi.useRealTimers());

const cookie = async (token: Record<string, unknown>, maxAge = 3600) => {
  const raw = await encode({ token, secret: authSecret(), maxAge });
  return (name: string) => (name === cookieNames().session ? raw : undefined);
};

describe('the session cookie', () => {
  it('names the signed-in account each time it is sent, until its sessions are ended', async () => {
    const get = await cookie({ uid: 1, epoch: sessionEpoch(db, 1) });
    expect(await sessionFromCookie(db, get)).toMatchObject({ id: 1, username: 'admin', role: 'admin' });
    expect(await sessionFromCookie(db, get)).toMatchObject({ id: 1, username: 'admin' });
    // A token already decrypted once is still checked against the account.
    endSessions(db, 1);
    expect(await sessionFromCookie(db, get)).toBeNull();
  });

  it('refuses a token once it has expired, even one decrypted before', async () => {
    const get = await cookie({ uid: 1, epoch: sessionEpoch(db, 1) }, 60);
    expect(await sessionFromCookie(db, get)).not.toBeNull();
    vi.useFakeTimers({ now: Date.now() + 120_000, toFake: ['Date'] });
    expect(await sessionFromCookie(db, get)).toBeNull();
  });

  it('refuses a cookie that is not a token of this cell, or one without an account', async () => {
    expect(await sessionFromCookie(db, (n) => (n === cookieNames().session ? 'not-a-token' : undefined))).toBeNull();
    expect(await sessionFromCookie(db, await cookie({ epoch: 0 }))).toBeNull();
    const foreign = await encode({ token: { uid: 1, epoch: 0 }, secret: 'another cell entirely' });
    expect(await sessionFromCookie(db, (n) => (n === cookieNames().session ? foreign : undefined))).toBeNull();
  });
});
