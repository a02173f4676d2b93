import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { clientAddress } from '@/server/auth/client-address';
import { isSecureRequest } from '@/server/auth/cookies';
import { authOptions } from '@/server/auth/options';
import { getDb } from '@/server/db';
import { json } from '@/server/http/responses';
import { loginRetryAfter } from '@/server/managers/accounts/rate-limit';

type Ctx = { params: Promise<{ nextauth: string[] }> };

// next-auth (credentials): /api/auth/csrf, /api/auth/callback/credentials, /api/auth/signout, /api/auth/session.
async function handler(req: NextRequest, ctx: Ctx) {
  const { nextauth } = await ctx.params;
  if (req.method === 'POST' && nextauth.join('/') === 'callback/credentials') {
    const form = await req.clone().formData().catch(() => null);
    const username = String(form?.get('username') ?? '').trim().toLowerCase();
    const wait = loginRetryAfter(getDb(), username, clientAddress(req.headers));
    if (wait > 0) {
      return json({ error: 'rate_limited', message: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} min.` }, 429, {
        'retry-after': String(wait),
      });
    }
  }
  return NextAuth(req, ctx, authOptions(isSecureRequest(req.url, req.headers)));
}

export { handler as GET, handler as POST };
