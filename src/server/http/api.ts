import type { NextRequest } from 'next/server';
import { sessionFromCookie } from '../auth/session';
import { getDb, type Db } from '../db';
import type { SessionUser } from '../managers/accounts';
import { appendAudit } from '../managers/audit';
import { isSetupComplete } from '../managers/setup';
import { DomainError, meaningOf } from '../errors';
import { logger } from '../runtime/logger';
import { csrfProblem, isUnsafeMethod } from './csrf';
import { json, setupRequired } from './responses';

interface ApiContext {
  req: NextRequest;
  db: Db;
  session: SessionUser | null;
  params: Record<string, string | string[]>;
}

interface Options {
  /** Who may call: anyone, any signed-in user, or admins only. */
  access: 'public' | 'authed' | 'admin';
  /** Public endpoints that must answer before setup (health). */
  beforeSetup?: boolean;
  /** Name for the audit trail of a state-changing call. */
  procedure?: string;
}

type Handler = (ctx: ApiContext) => Promise<Response> | Response;
type RouteContext = { params: Promise<Record<string, string | string[]>> };

/** Wraps a REST handler: the setup gate, the session, the role, CSRF and the audit trail, in that order. */
export function apiRoute(options: Options, handler: Handler) {
  return async (req: NextRequest, route?: RouteContext): Promise<Response> => {
    const db = getDb();
    if (!options.beforeSetup && !isSetupComplete(db)) return setupRequired();
    const session = await sessionFromCookie(db, (n) => req.cookies.get(n)?.value);
    const unsafe = isUnsafeMethod(req.method);
    const refuse = (status: number, error: string, message: string) => {
      if (unsafe && options.procedure) {
        appendAudit(db, {
          actor: session?.username ?? 'anonymous',
          actorRole: session?.role ?? 'anonymous',
          procedure: options.procedure,
          outcome: 'refused',
          detail: message,
        });
      }
      return json({ error, message }, status);
    };
    if (options.access !== 'public' && !session) return refuse(401, 'unauthorized', 'Sign in first');
    if (options.access === 'admin' && session?.role !== 'admin') return refuse(403, 'forbidden', 'Admins only');
    if (unsafe) {
      const problem = csrfProblem(req);
      if (problem) return refuse(403, 'csrf', problem);
    }
    try {
      const params = (await route?.params) ?? {};
      return await handler({ req, db, session, params });
    } catch (err) {
      // A manager's domain error means what it means over tRPC too (404, 409, 412, …).
      if (err instanceof DomainError) {
        const { code, status } = meaningOf(err);
        return json({ error: code.toLowerCase(), message: err.message }, status);
      }
      logger.child('api').error('request failed', { path: req.nextUrl.pathname, err });
      return json({ error: 'internal', message: 'Internal error' }, 500);
    }
  };
}
