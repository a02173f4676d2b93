/** Walks the chain: every entry's hash, and its link to the one before. */
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../../db';
import { auditEntries } from '../../db/schema';
import { entryHash, GENESIS_HASH } from './chain';

export type AuditVerifyResult =
  { ok: true; checked: number } | { ok: false; checked: number; firstBadId: number; reason: string };

/** Walks the chain in id order; reports the first entry whose hash or link does not hold. */
export function verifyAudit(db: Db): AuditVerifyResult {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const batch = db
      .select()
      .from(auditEntries)
      .where(gt(auditEntries.id, lastId))
      .orderBy(asc(auditEntries.id))
      .limit(1000)
      .all();
    if (batch.length === 0) return { ok: true, checked };
    for (const e of batch) {
      if (e.prevHash !== prevHash) {
        return {
          ok: false,
          checked,
          firstBadId: e.id,
          reason: 'link to the previous entry is broken (an entry was removed or reordered)',
        };
      }
      if (entryHash(prevHash, e) !== e.hash) {
        return {
          ok: false,
          checked,
          firstBadId: e.id,
          reason: 'content does not match its hash (the entry was edited)',
        };
      }
      prevHash = e.hash;
      lastId = e.id;
      checked++;
    }
  }
}
