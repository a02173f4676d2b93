/**
 * A service removed with its data kept keeps what the cell knows of the accounts in that data:
 * the htpasswd hashes the cell renders, or the accounts and aliases the service's own commands
 * made (mail's). An install of the same id that finds all its volumes again takes them back, so
 * each peer's password stays as it was and the cell's lists match the service's own files.
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { keptServiceAccounts, keptServiceAliases, serviceAccounts, serviceAliases } from '../../db/schema';

/** Puts an instance's accounts (those not on their way out) and aliases aside, in place of any kept before. */
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
  const aliases = db.select().from(serviceAliases).where(eq(serviceAliases.instanceId, instanceId)).all();
  if (aliases.length)
    db.insert(keptServiceAliases)
      .values(aliases.map(({ id: _id, ...a }) => a))
      .run();
  return rows.length;
}

export function forgetKeptAccounts(db: DbOrTx, instanceId: string): void {
  db.delete(keptServiceAccounts).where(eq(keptServiceAccounts.instanceId, instanceId)).run();
  db.delete(keptServiceAliases).where(eq(keptServiceAliases.instanceId, instanceId)).run();
}

/** What is kept for an instance: its accounts and its aliases. */
function keptOf(db: DbOrTx, instanceId: string) {
  return {
    accounts: db.select().from(keptServiceAccounts).where(eq(keptServiceAccounts.instanceId, instanceId)).all(),
    aliases: db.select().from(keptServiceAliases).where(eq(keptServiceAliases.instanceId, instanceId)).all(),
  };
}

/**
 * Takes the kept accounts and aliases back into the instance (which must exist); an account
 * whose peer went meanwhile is let go by the next accounts pass, as any such account is.
 */
export function takeKeptAccounts(
  db: DbOrTx,
  instanceId: string,
  kept = keptOf(db, instanceId),
): { accounts: number; aliases: number } {
  if (kept.accounts.length)
    db.insert(serviceAccounts)
      .values(kept.accounts.map((r) => ({ ...r, removing: false })))
      .run();
  if (kept.aliases.length) db.insert(serviceAliases).values(kept.aliases).run();
  forgetKeptAccounts(db, instanceId);
  return { accounts: kept.accounts.length, aliases: kept.aliases.length };
}

/** A removal that failed: the accounts and aliases as they were before it, in place of what its passes left. */
export function putBackAccounts(db: DbOrTx, instanceId: string): void {
  const kept = keptOf(db, instanceId);
  if (!kept.accounts.length && !kept.aliases.length) return;
  db.delete(serviceAccounts).where(eq(serviceAccounts.instanceId, instanceId)).run();
  db.delete(serviceAliases).where(eq(serviceAliases.instanceId, instanceId)).run();
  takeKeptAccounts(db, instanceId, kept);
}
