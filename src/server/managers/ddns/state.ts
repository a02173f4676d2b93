/** Dynamic DNS's table: where the address is discovered, what was published, failures, dyndns2. */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { ddnsState } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';

export const DEFAULT_SOURCES = ['https://api.ipify.org', 'https://ipv4.icanhazip.com'];

export type StateRow = typeof ddnsState.$inferSelect;

export function ensureDdns(db: DbOrTx, now = runtimeOf(db).clock()): void {
  db.insert(ddnsState)
    .values({ id: 1, sources: DEFAULT_SOURCES, failures: 0, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

export function stateRow(db: DbOrTx): StateRow {
  const row = db.select().from(ddnsState).where(eq(ddnsState.id, 1)).get();
  if (!row) throw new InvalidStateError('Dynamic DNS is not configured yet: complete setup first');
  return row;
}
