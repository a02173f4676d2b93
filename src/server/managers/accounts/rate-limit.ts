import { and, count, eq, gte, inArray, lt, min } from 'drizzle-orm';
import type { Db } from '../../db';
import { loginFailures } from '../../db/schema';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failures allowed per window: per account, per client address (a household shares one), and link claims per address. */
export const LOGIN_LIMITS = { account: 5, address: 20, claim: 10 } as const;

export interface Limit {
  key: string;
  max: number;
}

export const accountKey = (username: string) => `account:${username.trim().toLowerCase()}`;

export function loginLimits(username: string, address: string): Limit[] {
  return [
    { key: accountKey(username), max: LOGIN_LIMITS.account },
    { key: `address:${address}`, max: LOGIN_LIMITS.address },
  ];
}

export const claimLimits = (address: string): Limit[] => [{ key: `claim:${address}`, max: LOGIN_LIMITS.claim }];

/** Seconds until every limit allows another attempt, or 0 when they all do now. */
export function retryAfter(db: Db, limits: Limit[], now = Date.now()): number {
  let wait = 0;
  for (const { key, max } of limits) {
    const r = db
      .select({ n: count(), first: min(loginFailures.at) })
      .from(loginFailures)
      .where(and(eq(loginFailures.key, key), gte(loginFailures.at, new Date(now - LOGIN_WINDOW_MS))))
      .get();
    if (r && r.n >= max && r.first)
      wait = Math.max(wait, Math.ceil((r.first.getTime() + LOGIN_WINDOW_MS - now) / 1000));
  }
  return wait;
}

export function loginRetryAfter(db: Db, username: string, address: string, now = Date.now()): number {
  return retryAfter(db, loginLimits(username, address), now);
}

export type Attempt = { wait: number } | { wait: 0; ids: number[] };

/**
 * Counts an attempt before its password is checked: the check and the count are one
 * immediate transaction, so concurrent guesses cannot all slip under the limit. A
 * refused attempt (wait > 0) is not counted. A success is forgiven afterwards.
 */
export function reserveAttempt(db: Db, limits: Limit[], now = Date.now()): Attempt {
  return db.transaction(
    (tx) => {
      tx.delete(loginFailures)
        .where(lt(loginFailures.at, new Date(now - LOGIN_WINDOW_MS)))
        .run();
      const wait = retryAfter(tx as unknown as Db, limits, now);
      if (wait > 0) return { wait };
      const rows = tx
        .insert(loginFailures)
        .values(limits.map((l) => ({ key: l.key, at: new Date(now) })))
        .returning({ id: loginFailures.id })
        .all();
      return { wait: 0 as const, ids: rows.map((r) => r.id) };
    },
    { behavior: 'immediate' },
  );
}

/** A success forgives its own attempt and, for a login, that account's failures (not the address's earlier ones). */
export function forgiveAttempt(db: Db, attemptIds: number[], username?: string): void {
  db.transaction((tx) => {
    if (username !== undefined)
      tx.delete(loginFailures)
        .where(eq(loginFailures.key, accountKey(username)))
        .run();
    if (attemptIds.length) tx.delete(loginFailures).where(inArray(loginFailures.id, attemptIds)).run();
  });
}

/** Test and bench helper: a failure recorded directly. */
export function recordLoginFailure(db: Db, username: string, address: string, now = Date.now()): void {
  db.insert(loginFailures)
    .values(loginLimits(username, address).map((l) => ({ key: l.key, at: new Date(now) })))
    .run();
}
