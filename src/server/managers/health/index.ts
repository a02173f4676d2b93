import { sql } from 'drizzle-orm';
import pkg from '../../../../package.json';
import type { Db } from '../../db';
import { isSetupComplete } from '../setup';
import { engineStatus } from '../../runtime/docker';

const startedAt = Date.now();

export async function health(db: Db | null) {
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
  const engine = await engineStatus();
  return {
    status: database ? 'ok' : 'degraded',
    version: pkg.version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    database: { ok: database },
    engine,
    setupComplete,
  } as const;
}
