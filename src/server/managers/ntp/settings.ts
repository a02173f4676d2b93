/** NTP's settings as the page shows and changes them. */
import { eq } from 'drizzle-orm';
import type { UpdateNtp } from '@/lib/schemas/ntp';
import type { Db } from '../../db';
import { ntpSettings } from '../../db/schema';
import { configState } from '../config-apply';
import { cellFacts } from '../cell';
import { applyNtp } from './apply';
import { ntpRow } from './state';
import { runtimeOf } from '../../runtime/runtime';

export function getNtp(db: Db) {
  const row = ntpRow(db);
  return {
    sources: row.sources,
    localStratum: row.localStratum,
    allow: cellFacts(db).internalNetworks,
    updatedAt: row.updatedAt,
    applyState: configState(db, 'ntp'),
  };
}

export async function updateNtp(db: Db, input: UpdateNtp, now = runtimeOf(db).clock()) {
  db.update(ntpSettings)
    .set({ sources: input.sources, localStratum: input.localStratum, updatedAt: now })
    .where(eq(ntpSettings.id, 1))
    .run();
  const apply = await applyNtp(db);
  return { ...getNtp(db), apply };
}
