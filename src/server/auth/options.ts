import type { AuthOptions } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { loginSchema } from '@/lib/schemas/account';
import { getDb } from '../db';
import { clientAddress } from '../http/client-address';
import { endSessions, sessionEpoch, verifyLogin } from '../managers/accounts';
import { forgiveAttempt, loginLimits, reserveAttempt } from '../managers/accounts';
import { appendAudit } from '../managers/audit';
import { logger } from '../runtime/logger';
import { cookieNames } from './cookies';
import { authSecret, SESSION_MAX_AGE_S } from './session';

// The cell answers on whatever name reaches it (LAN address, .cell name, public domain).
process.env.AUTH_TRUST_HOST ??= 'true';

const log = logger.child('auth');

export interface AuthHooks {
  /** An attempt refused by the rate limit: seconds until the next one is allowed. */
  onLimited(waitSeconds: number): void;
}

/**
 * The limit is decided here, on the credentials next-auth parsed (form or JSON alike),
 * and the attempt is counted before the password is hashed.
 */
async function authorize(
  credentials: Record<string, unknown> | undefined,
  headers: Record<string, string>,
  hooks: AuthHooks,
) {
  const parsed = loginSchema.safeParse(credentials ?? {});
  if (!parsed.success) return null;
  const { username, password } = parsed.data;
  const address = clientAddress(headers);
  const db = getDb();
  const refused = (detail: string) =>
    appendAudit(db, {
      actor: username.slice(0, 64),
      actorRole: 'anonymous',
      procedure: 'auth.login',
      input: { username, address },
      outcome: 'refused',
      detail,
    });
  const attempt = reserveAttempt(db, loginLimits(username, address));
  if (!('ids' in attempt)) {
    hooks.onLimited(attempt.wait);
    refused('rate limited');
    return null;
  }
  const user = await verifyLogin(db, username, password);
  // One message for every failure: nothing says whether the account exists.
  if (!user) {
    refused('wrong username or password');
    log.warn('login failed', { address });
    return null;
  }
  forgiveAttempt(db, attempt.ids, username);
  appendAudit(db, {
    actor: user.username,
    actorRole: user.role,
    procedure: 'auth.login',
    input: { username, address },
    outcome: 'success',
  });
  return { id: String(user.id), name: user.username, role: user.role, epoch: sessionEpoch(db, user.id) };
}

export function authOptions(secure: boolean, hooks: AuthHooks = { onLimited: () => {} }): AuthOptions {
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
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
        },
        authorize: (credentials, req) => authorize(credentials, (req?.headers ?? {}) as Record<string, string>, hooks),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.role = (user as { role?: string }).role;
          token.epoch = (user as { epoch?: number }).epoch;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { name: token.name, role: token.role } } as typeof session;
      },
    },
    events: {
      // Signing out voids the session on the server too: an old cookie replayed later is refused.
      signOut({ token }) {
        const uid = Number((token as { uid?: number } | null)?.uid);
        if (Number.isSafeInteger(uid) && uid > 0) endSessions(getDb(), uid);
      },
    },
    logger: {
      error: (code, metadata) => log.error(`next-auth: ${code}`, { metadata: String(metadata) }),
      warn: (code) => log.warn(`next-auth: ${code}`),
      debug: () => {},
    },
  };
}
