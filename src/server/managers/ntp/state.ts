/** NTP's table: chrony's sources and local stratum (one row). */
import { eq } from 'drizzle-orm';
import { DEFAULT_NTP_SOURCES } from '@/lib/schemas/ntp';
import type { DbOrTx } from '../../db';
import { ntpSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';

export const DEFAULT_LOCAL_STRATUM = 10;

export function ensureNtp(db: DbOrTx, now = runtimeOf(db).clock()): void {
  db.insert(ntpSettings)
    .values({ id: 1, sources: DEFAULT_NTP_SOURCES, localStratum: DEFAULT_LOCAL_STRATUM, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

export function ntpRow(db: DbOrTx) {
  const row = db.select().from(ntpSettings).where(eq(ntpSettings.id, 1)).get();
  if (!row) throw new InvalidStateError('NTP is not configured yet: complete setup first');
  return row;
}
