import type Database from 'better-sqlite3';
import { decryptSecret, encryptSecret, isLegacySealed, SECRET_SLOTS } from '../runtime/secrets';

/**
 * Seals every secret stored before values were bound to their table and column again,
 * bound this time, in one transaction. Runs at start; a no-op once done.
 */
export function resealLegacySecrets(sqlite: Database.Database): number {
  let count = 0;
  sqlite.transaction(() => {
    for (const slot of SECRET_SLOTS) {
      const [table, column] = slot.split('.') as [string, string];
      const rows = sqlite
        .prepare(`SELECT rowid AS id, "${column}" AS sealed FROM "${table}" WHERE "${column}" LIKE 'v1.%'`)
        .all() as { id: number; sealed: string }[];
      const update = sqlite.prepare(`UPDATE "${table}" SET "${column}" = ? WHERE rowid = ?`);
      for (const r of rows) {
        if (!isLegacySealed(r.sealed)) continue;
        update.run(encryptSecret(decryptSecret(r.sealed, slot), slot), r.id);
        count++;
      }
    }
  })();
  return count;
}
