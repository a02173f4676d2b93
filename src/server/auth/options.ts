import type { AuthOptions } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { loginSchema } from '@/lib/schemas/account';
import { getDb } from '../db';
import { verifyLogin } from '../managers/accounts';
import { clearLoginFailures, recordLoginFailure } from '../managers/accounts/rate-limit';
import { appendAudit } from '../managers/audit';
import { logger } from '../runtime/logger';
import { clientAddress } from './client-address';
import { cookieNames } from './cookies';
import { authSecret, SESSION_MAX_AGE_S } from './session';

// The cell answers on whatever name reaches it (LAN address, .cell name, public domain).
process.env.AUTH_TRUST_HOST ??= 'true';

const log = logger.child('auth');

export function authOptions(secure: boolean): AuthOptions {
  const names = cookieNames();
  const cookie = (name: string, httpOnly = true) => ({
    name,
    options: { httpOnly, sameSite: 'lax' as const, path: '/', secure },
  });
  return {
    secret: authSecret(),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/login', error: '/login' },
    cookies: {
      sessionToken: cookie(names.session),
      csrfToken: cookie(names.authCsrf),
      callbackUrl: cookie(names.callbackUrl),
    },
    providers: [
      Credentials({
        name: 'Cell account',
        credentials: { username: { label: 'Username', type: 'text' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          const parsed = loginSchema.safeParse(credentials ?? {});
          const address = clientAddress((req?.headers ?? {}) as Record<string, string>);
          if (!parsed.success) return null;
          const { username, password } = parsed.data;
          const db = getDb();
          const user = await verifyLogin(db, username, password);
          // One message for every failure: nothing says whether the account exists.
          if (!user) {
            recordLoginFailure(db, username, address);
            appendAudit(db, { actor: username.slice(0, 64), actorRole: 'anonymous', procedure: 'auth.login', input: { username, address }, outcome: 'refused', detail: 'wrong username or password' });
            log.warn('login failed', { address });
            return null;
          }
          clearLoginFailures(db, username);
          appendAudit(db, { actor: user.username, actorRole: user.role, procedure: 'auth.login', input: { username, address }, outcome: 'success' });
          return { id: String(user.id), name: user.username, role: user.role };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.role = (user as { role?: string }).role;
          token.iatMs = Date.now();
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { name: token.name, role: token.role } } as typeof session;
      },
    },
    logger: {
      error: (code, metadata) => log.error(`next-auth: ${code}`, { metadata: String(metadata) }),
      warn: (code) => log.warn(`next-auth: ${code}`),
      debug: () => {},
    },
  };
}
