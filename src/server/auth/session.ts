import { decode } from 'next-auth/jwt';
import type { Db } from '../db';
import { sessionUser, type SessionUser } from '../managers/accounts';
import { derivedSecret } from '../runtime/secrets';
import { cookieNames } from './cookies';

export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

export function authSecret(): string {
  return derivedSecret('next-auth');
}

interface CellToken {
  uid?: number;
  epoch?: number;
}

/** The signed-in user behind a session cookie, checked against the database on every call. */
export async function sessionFromCookie(
  db: Db,
  getCookie: (name: string) => string | undefined,
): Promise<SessionUser | null> {
  const raw = getCookie(cookieNames().session);
  if (!raw) return null;
  try {
    const token = (await decode({ token: raw, secret: authSecret() })) as CellToken | null;
    if (!token?.uid || typeof token.epoch !== 'number') return null;
    return sessionUser(db, token.uid, token.epoch);
  } catch {
    return null;
  }
}
