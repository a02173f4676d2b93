import crypto from 'node:crypto';
import type { NextRequest } from 'next/server';
import { cookieNames } from '../auth/cookies';

export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

export function newCsrfToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function sameOrigin(req: NextRequest): boolean {
  const origin = req.headers.get('origin');
  if (!origin) return true;
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Double submit: the header must equal the cookie, and a present Origin must be ours. */
export function csrfProblem(req: NextRequest): string | null {
  if (!sameOrigin(req)) return 'cross-origin request refused';
  const cookie = req.cookies.get(cookieNames().csrf)?.value;
  const header = req.headers.get(CSRF_HEADER);
  if (!cookie || !header) return 'missing CSRF token: GET /api/csrf and send it in the X-CSRF-Token header';
  const a = Buffer.from(cookie);
  const b = Buffer.from(header);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return 'CSRF token does not match its cookie';
  return null;
}
