import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { isSecureRequest } from '@/server/auth/cookies';
import { authOptions } from '@/server/auth/options';
import { KiB, withCappedBody } from '@/server/http/body';
import { json } from '@/server/http/responses';

type Ctx = { params: Promise<{ nextauth: string[] }> };

// next-auth (credentials): /api/auth/csrf, /api/auth/callback/credentials, /api/auth/signout, /api/auth/session.
async function handler(raw: NextRequest, ctx: Ctx) {
  const req = await withCappedBody(raw, 16 * KiB);
  if (req instanceof Response) return req;
  // The limit itself is decided inside authorize, on what next-auth parsed; this only shapes the answer.
  let limited = 0;
  const res = await NextAuth(
    req,
    ctx,
    authOptions(isSecureRequest(req.url, req.headers), { onLimited: (wait) => (limited = wait) }),
  );
  if (limited > 0) {
    return json(
      { error: 'rate_limited', message: `Too many failed sign-ins. Try again in ${Math.ceil(limited / 60)} min.` },
      429,
      {
        'retry-after': String(limited),
      },
    );
  }
  return res;
}

export { handler as GET, handler as POST };
