import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { NextRequest } from 'next/server';
import { clientAddress } from '@/server/auth/client-address';
import { sessionFromCookie } from '@/server/auth/session';
import { getDb } from '@/server/db';
import { csrfProblem } from '@/server/http/csrf';
import { json, setupRequired } from '@/server/http/responses';
import { appendAudit } from '@/server/managers/audit';
import { isSetupComplete } from '@/server/managers/setup';
import { appRouter } from '@/server/routers/_app';

// tRPC for the admin app and the peer portal; setup procedures are the only ones open before setup.
async function handler(req: NextRequest) {
  const db = getDb();
  const paths = req.nextUrl.pathname.replace(/^\/api\/trpc\/?/, '').split(',').filter(Boolean);
  const setupOnly = paths.length > 0 && paths.every((p) => p.startsWith('setup.'));
  if (!setupOnly && !isSetupComplete(db)) return setupRequired();

  const session = await sessionFromCookie(db, (n) => req.cookies.get(n)?.value);
  if (req.method === 'POST' && !setupOnly) {
    const problem = csrfProblem(req);
    if (problem) {
      for (const procedure of paths) {
        appendAudit(db, { actor: session?.username ?? 'anonymous', actorRole: session?.role ?? 'anonymous', procedure, outcome: 'refused', detail: `FORBIDDEN: ${problem}` });
      }
      return json({ error: { message: problem, code: 'FORBIDDEN' } }, 403);
    }
  }

  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => ({ db, session, clientAddress: clientAddress(req.headers) }),
  });
}

export { handler as GET, handler as POST };
