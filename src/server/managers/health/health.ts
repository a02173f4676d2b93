/** Liveness for monitoring: can the database answer, is the engine there, is setup done. */
import { sql } from 'drizzle-orm';
import pkg from '../../../../package.json';
import type { Db } from '../../db';
import { isSetupComplete } from '../setup';
import type { Engine } from '../../runtime/docker';

const startedAt = Date.now();

/** The engine comes from the cell's runtime (or the process's, when the database cannot open). */
export async function health(db: Db | null, engine: Engine) {
  let database = false;
  let setupComplete = false;
  if (db) {
    try {
      database = db.get<{ ok: number }>(sql`select 1 as ok`).ok === 1;
      setupComplete = isSetupComplete(db);
    } catch {
      database = false;
    }
  }
  const engineState = await engine.status();
  return {
    status: database ? 'ok' : 'degraded',
    version: pkg.version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    database: { ok: database },
    engine: engineState,
    setupComplete,
  } as const;
}
