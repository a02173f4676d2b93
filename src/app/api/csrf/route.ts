import type { NextRequest } from 'next/server';
import { cookieNames, isSecureRequest } from '@/server/auth/cookies';
import { newCsrfToken } from '@/server/http/csrf';
import { json } from '@/server/http/responses';

export const dynamic = 'force-dynamic';

// GET /api/csrf: the double-submit token; keeps an existing cookie so open tabs stay valid.
export function GET(req: NextRequest) {
  const name = cookieNames().csrf;
  const token = req.cookies.get(name)?.value ?? newCsrfToken();
  const secure = isSecureRequest(req.url, req.headers) ? '; Secure' : '';
  return json({ token, header: 'X-CSRF-Token' }, 200, {
    'set-cookie': `${name}=${token}; Path=/; HttpOnly; SameSite=Strict${secure}`,
  });
}
