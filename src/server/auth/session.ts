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
  exp?: number;
}

/**
 * Tokens already decrypted, by cookie value: decrypting one (a key derivation and AES) costs
 * more than the rest of a small request's session check. Only what the token says is kept;
 * the account is still checked against the database on every call, and an entry is used only
 * with the secret that decrypted it and until the token expires.
 */
const decoded = new Map<string, { secret: string; token: CellToken }>();
const DECODED_MAX = 512;

async function decodeToken(raw: string, secret: string): Promise<CellToken | null> {
  const hit = decoded.get(raw);
  if (hit && hit.secret === secret && (hit.token.exp ?? 0) * 1000 > Date.now()) return hit.token;
  const token = (await decode({ token: raw, secret })) as CellToken | null;
  if (!token) return null;
  if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value!);
  decoded.set(raw, { secret, token });
  return token;
}

/** The signed-in user behind a session cookie, checked against the database on every call. */
export async function sessionFromCookie(
  db: Db,
  getCookie: (name: string) => string | undefined,
): Promise<SessionUser | null> {
  const raw = getCookie(cookieNames().session);
  if (!raw) return null;
  try {
    const token = await decodeToken(raw, authSecret());
    if (!token?.uid || typeof token.epoch !== 'number') return null;
    return sessionUser(db, token.uid, token.epoch);
  } catch {
    return null;
  }
}
