import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { clearLoginFailures, LOGIN_WINDOW_MS, loginRetryAfter, recordLoginFailure } from '@/server/managers/accounts/rate-limit';
import { freshCell } from '../helpers/db';

let db: Db;
beforeEach(() => {
  db = freshCell().db;
});

const T0 = Date.parse('2026-11-01T12:00:00Z');
function fail(username: string, address: string, times: number, at = T0) {
  for (let i = 0; i < times; i++) recordLoginFailure(db, username, address, at + i * 1000);
}

describe('login rate limit', () => {
  it('allows four failures and blocks the account on the fifth for the rest of the window', () => {
    fail('admin', '10.0.0.2', 4);
    expect(loginRetryAfter(db, 'admin', '10.0.0.2', T0 + 5000)).toBe(0);
    fail('admin', '10.0.0.2', 1, T0 + 4000);
    expect(loginRetryAfter(db, 'admin', '10.0.0.9', T0 + 5000)).toBe(LOGIN_WINDOW_MS / 1000 - 5);
  });

  it('blocks an address that tries many accounts', () => {
    for (let i = 0; i < 20; i++) fail(`user${i}`, '10.0.0.3', 1, T0 + i);
    expect(loginRetryAfter(db, 'someone-new', '10.0.0.3', T0 + 100)).toBeGreaterThan(0);
    expect(loginRetryAfter(db, 'someone-new', '10.0.0.4', T0 + 100)).toBe(0);
  });

  it('lets the block lapse when the window has passed', () => {
    fail('admin', '10.0.0.2', 5);
    expect(loginRetryAfter(db, 'admin', '10.0.0.2', T0 + LOGIN_WINDOW_MS + 1)).toBe(0);
  });

  it('forgives an account after a successful login, and usernames are case-insensitive', () => {
    fail('Admin', '10.0.0.2', 5);
    expect(loginRetryAfter(db, 'admin', '10.0.0.5', T0 + 10_000)).toBeGreaterThan(0);
    clearLoginFailures(db, 'ADMIN');
    expect(loginRetryAfter(db, 'admin', '10.0.0.5', T0 + 10_000)).toBe(0);
  });
});
