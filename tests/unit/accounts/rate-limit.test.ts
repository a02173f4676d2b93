import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { addressKey, clientAddress, stampRequest } from '@/server/http/client-address';
import {
  forgiveAttempt,
  LOGIN_WINDOW_MS,
  loginLimits,
  loginRetryAfter,
  recordLoginFailure,
  reserveAttempt,
} from '@/server/managers/accounts/rate-limit';
import { freshCell } from '../../helpers/db';

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
    forgiveAttempt(db, [], 'ADMIN');
    expect(loginRetryAfter(db, 'admin', '10.0.0.5', T0 + 10_000)).toBe(0);
  });

  it('counts an attempt before the password is checked, and refuses the sixth without counting it', () => {
    const results = Array.from({ length: 8 }, (_, i) => reserveAttempt(db, loginLimits('admin', '10.0.0.7'), T0 + i));
    expect(results.filter((r) => 'ids' in r)).toHaveLength(5);
    expect(results.slice(5).every((r) => r.wait > 0)).toBe(true);
    expect(loginRetryAfter(db, 'admin', '10.0.0.8', T0 + 10)).toBeGreaterThan(0);
  });

  it('forgives only the successful attempt and the account, not earlier failures of the address', () => {
    for (let i = 0; i < 19; i++) recordLoginFailure(db, `guess${i}`, '10.0.0.6', T0);
    const ok = reserveAttempt(db, loginLimits('admin', '10.0.0.6'), T0 + 1);
    expect('ids' in ok).toBe(true);
    forgiveAttempt(db, 'ids' in ok ? ok.ids : [], 'admin');
    expect(loginRetryAfter(db, 'admin', '10.0.0.6', T0 + 2)).toBe(0);
    recordLoginFailure(db, 'guess-last', '10.0.0.6', T0 + 3);
    expect(loginRetryAfter(db, 'admin', '10.0.0.6', T0 + 4)).toBeGreaterThan(0);
  });
});

describe('client addresses', () => {
  it('counts IPv6 clients by their /64 and unwraps IPv4-mapped addresses', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:1:2:3')).toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('not an address')).toBe('unknown');
  });

  it('takes the socket over whatever X-Forwarded-For the client sent, unless the socket is a trusted proxy', () => {
    const request = (remote: string, xff?: string) =>
      ({ socket: { remoteAddress: remote }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as never;
    const trusted = () => new Set(['172.20.0.2']);
    const direct = request('198.51.100.4', '203.0.113.9');
    stampRequest(direct, trusted);
    expect(clientAddress((direct as { headers: Record<string, string> }).headers)).toBe('198.51.100.4');
    const proxied = request('::ffff:172.20.0.2', '203.0.113.9');
    stampRequest(proxied, trusted);
    expect(clientAddress((proxied as { headers: Record<string, string> }).headers)).toBe('203.0.113.9');
  });
});
