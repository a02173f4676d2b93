/**
 * A service removed with its data kept keeps the accounts the cell renders into that data (an
 * htpasswd of bcrypt hashes): an install of the same id that finds all its volumes again takes
 * them back, so each peer's password stays as it was. (A service whose own commands make its
 * accounts is told to remove them with the service: its peers reset their passwords after.)
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { keptServiceAccounts, serviceAccounts } from '../../db/schema';

/** Puts an instance's accounts aside (those not on their way out), in place of any kept before. */
export function keepAccounts(db: DbOrTx, instanceId: string): number {
  forgetKeptAccounts(db, instanceId);
  const rows = db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.instanceId, instanceId), eq(serviceAccounts.removing, false)))
    .all();
  if (rows.length)
    db.insert(keptServiceAccounts)
      .values(
        rows.map((r) => ({
          instanceId,
          peerId: r.peerId,
          username: r.username,
          passwordHash: r.passwordHash,
          createdAt: r.createdAt,
          passwordShownAt: r.passwordShownAt,
          applied: r.applied,
        })),
      )
      .run();
  return rows.length;
}

export function forgetKeptAccounts(db: DbOrTx, instanceId: string): void {
  db.delete(keptServiceAccounts).where(eq(keptServiceAccounts.instanceId, instanceId)).run();
}

/**
 * Takes the kept accounts back into the instance (which must exist); one whose peer went
 * meanwhile is let go by the next accounts pass, as any such account is. Returns how many came back.
 */
export function takeKeptAccounts(db: DbOrTx, instanceId: string): number {
  const rows = db.select().from(keptServiceAccounts).where(eq(keptServiceAccounts.instanceId, instanceId)).all();
  if (rows.length)
    db.insert(serviceAccounts)
      .values(rows.map((r) => ({ ...r, removing: false })))
      .run();
  forgetKeptAccounts(db, instanceId);
  return rows.length;
}

/** A removal that failed: the accounts as they were before it, in place of what its passes left. */
export function putBackAccounts(db: DbOrTx, instanceId: string): void {
  const kept = db.select().from(keptServiceAccounts).where(eq(keptServiceAccounts.instanceId, instanceId)).all();
  if (!kept.length) return;
  db.delete(serviceAccounts).where(eq(serviceAccounts.instanceId, instanceId)).run();
  takeKeptAccounts(db, instanceId);
}
