import { and, eq, gte, inArray, lt, count, min } from 'drizzle-orm';
import type { Db } from '../../db';
import { loginFailures } from '../../db/schema';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failures allowed per window: per account, and per client address (a household shares one). */
export const LOGIN_LIMITS = { account: 5, address: 20 } as const;

export function loginKeys(username: string, address: string) {
  return { account: `account:${username.toLowerCase()}`, address: `address:${address}` };
}

/** Seconds until the next attempt is allowed, or 0 when it is allowed now. */
export function loginRetryAfter(db: Db, username: string, address: string, now = Date.now()): number {
  const keys = loginKeys(username, address);
  let wait = 0;
  for (const kind of ['account', 'address'] as const) {
    const r = db
      .select({ n: count(), first: min(loginFailures.at) })
      .from(loginFailures)
      .where(and(eq(loginFailures.key, keys[kind]), gte(loginFailures.at, new Date(now - LOGIN_WINDOW_MS))))
      .get();
    if (r && r.n >= LOGIN_LIMITS[kind] && r.first) {
      wait = Math.max(wait, Math.ceil((r.first.getTime() + LOGIN_WINDOW_MS - now) / 1000));
    }
  }
  return wait;
}

export function recordLoginFailure(db: Db, username: string, address: string, now = Date.now()): void {
  const keys = loginKeys(username, address);
  db.transaction((tx) => {
    tx.delete(loginFailures).where(lt(loginFailures.at, new Date(now - LOGIN_WINDOW_MS))).run();
    tx.insert(loginFailures)
      .values([
        { key: keys.account, at: new Date(now) },
        { key: keys.address, at: new Date(now) },
      ])
      .run();
  });
}

/** A successful login forgives that account's failures (not the address's). */
export function clearLoginFailures(db: Db, username: string): void {
  db.delete(loginFailures).where(inArray(loginFailures.key, [loginKeys(username, '').account])).run();
}
