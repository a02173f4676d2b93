import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { NextRequest } from 'next/server';
import { sessionFromCookie } from '@/server/auth/session';
import { getDb } from '@/server/db';
import { KiB, withCappedBody } from '@/server/http/body';
import { clientAddress } from '@/server/http/client-address';
import { csrfProblem } from '@/server/http/csrf';
import { json, setupRequired } from '@/server/http/responses';
import { MAX_BATCH, procedureNames } from '@/server/http/trpc-paths';
import { appendAudit } from '@/server/managers/audit';
import { SETUP_CODE_HEADER } from '@/lib/schemas/setup';
import { isSetupComplete } from '@/server/managers/setup';
import { appRouter } from '@/server/routers/_app';

/** Larger uploads (backups) get routes of their own. */
const MAX_BODY = 1024 * KiB;

// tRPC for the admin app and the peer portal; setup procedures are the only ones open before setup.
async function handler(raw: NextRequest) {
  const db = getDb();
  const session = await sessionFromCookie(db, (n) => raw.cookies.get(n)?.value);
  const actor = { actor: session?.username ?? 'anonymous', actorRole: session?.role ?? ('anonymous' as const) };
  // Decided on the names tRPC itself will run (decoded, the whole batch), never on the raw path.
  const names = procedureNames(raw.nextUrl.pathname);
  if (!names.ok) {
    appendAudit(db, { ...actor, procedure: names.audit, outcome: 'refused', detail: `BAD_REQUEST: ${names.problem}` });
    return json({ error: { message: names.problem, code: 'BAD_REQUEST' } }, 400);
  }
  const setupOnly = names.list.every((p) => p.startsWith('setup.'));
  if (!setupOnly && !isSetupComplete(db)) return setupRequired();

  if (raw.method === 'POST' && !setupOnly) {
    const problem = csrfProblem(raw);
    if (problem) {
      appendAudit(db, { ...actor, procedure: names.audit, outcome: 'refused', detail: `FORBIDDEN: ${problem}` });
      return json({ error: { message: problem, code: 'FORBIDDEN' } }, 403);
    }
  }
  const req = await withCappedBody(raw, MAX_BODY);
  if (req instanceof Response) return req;

  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    maxBatchSize: MAX_BATCH,
    createContext: () => ({
      db,
      session,
      clientAddress: clientAddress(req.headers),
      setupCode: req.headers.get(SETUP_CODE_HEADER),
    }),
  });
}

export { handler as GET, handler as POST };
