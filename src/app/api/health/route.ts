import { getDb } from '@/server/db';
import { json } from '@/server/http/responses';
import { health } from '@/server/managers/health';

export const dynamic = 'force-dynamic';

function openDb() {
  try {
    return getDb();
  } catch {
    return null;
  }
}

// GET /api/health: liveness for monitoring; no session, answers before setup too.
export async function GET() {
  const body = await health(openDb());
  return json(body, body.database.ok ? 200 : 503);
}
