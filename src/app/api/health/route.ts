import type { NextRequest } from 'next/server';
import { sessionFromCookie } from '@/server/auth/session';
import { getDb } from '@/server/db';
import { json } from '@/server/http/responses';
import { health } from '@/server/managers/health';
import { createRuntime, runtimeOf } from '@/server/runtime/runtime';

export const dynamic = 'force-dynamic';

function openDb() {
  try {
    return getDb();
  } catch {
    return null;
  }
}

// GET /api/health: liveness for monitoring; no session, answers before setup too. Only a
// signed-in admin sees the details (version, uptime, the engine and its socket).
export async function GET(req: NextRequest) {
  const db = openDb();
  const body = await health(db, (db ? runtimeOf(db) : createRuntime()).engine);
  const admin = db && (await sessionFromCookie(db, (n) => req.cookies.get(n)?.value))?.role === 'admin';
  const status = body.database.ok ? 200 : 503;
  return json(admin ? body : { status: body.status, setupComplete: body.setupComplete }, status);
}
