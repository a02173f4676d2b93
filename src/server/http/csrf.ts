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

/**
 * Whether the request shows it comes from our own pages: its Origin names our host, or,
 * without Origin, the browser's Sec-Fetch-Site says same-origin. A request that shows
 * neither (an old browser, a script that sets no Origin) is refused.
 */
export function originProblem(headers: Headers): string | null {
  const origin = headers.get('origin');
  if (origin) {
    const host = headers.get('x-forwarded-host') ?? headers.get('host');
    try {
      return new URL(origin).host === host ? null : 'cross-origin request refused';
    } catch {
      return 'cross-origin request refused';
    }
  }
  const site = headers.get('sec-fetch-site');
  if (site === 'same-origin') return null;
  if (site) return 'cross-site request refused';
  return 'the request shows no origin: send an Origin header naming this cell';
}

/** Double submit: the header must equal the cookie, and the request must show our origin. */
export function csrfProblem(req: NextRequest): string | null {
  const origin = originProblem(req.headers);
  if (origin) return origin;
  const cookie = req.cookies.get(cookieNames().csrf)?.value;
  const header = req.headers.get(CSRF_HEADER);
  if (!cookie || !header) return 'missing CSRF token: GET /api/csrf and send it in the X-CSRF-Token header';
  const a = Buffer.from(cookie);
  const b = Buffer.from(header);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return 'CSRF token does not match its cookie';
  return null;
}
