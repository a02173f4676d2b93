/**
 * Which accounts there should be: one per installed service with accounts and peer that has
 * a portal login and may use the service. Rows are made with a password nobody knows (a
 * reset shows one); a row no longer wanted goes, or, where the service's own command made
 * the account, waits for its remove command.
 */
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { and, eq } from 'drizzle-orm';
import type { Manifest } from '@/lib/schemas/store';
import type { Db, DbOrTx } from '../../db';
import { serviceAccounts } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { serviceAccess } from '../firewall';
import { portalLogins } from '../peers';
import { instanceRows, manifestOfRow, type InstanceRow } from './state';

export type AccountRow = typeof serviceAccounts.$inferSelect;
export type Accounts = NonNullable<Manifest['accounts']>;
export interface AccountInstance {
  row: InstanceRow;
  manifest: Manifest;
  accounts: Accounts;
}

/** The instances that have accounts, and how they are made. */
export function accountInstances(tx: DbOrTx): AccountInstance[] {
  return instanceRows(tx).flatMap((row) => {
    if (row.state === 'removing') return [];
    const manifest = manifestOfRow(row);
    return manifest.accounts ? [{ row, manifest, accounts: manifest.accounts }] : [];
  });
}

export const hashPassword = (password: string) => bcrypt.hash(password, 10);
/** A password nobody is shown: what an account has until a reset. */
export const unknownPassword = () => crypto.randomBytes(24).toString('base64url');

/** Makes and drops account rows so that they match the logins and the firewall's access. */
export async function settleRows(db: Db): Promise<void> {
  const plan = db.transaction((tx) => {
    const instances = accountInstances(tx);
    const have = tx.select().from(serviceAccounts).all();
    // No service with accounts and none left to remove: nothing to weigh (a burst of peer changes costs nothing here).
    if (!instances.length && !have.length) return { retire: [], drop: [], make: [] };
    const access = serviceAccess(tx);
    const logins = portalLogins(tx);
    const want = new Map<string, { instanceId: string; peerId: number; username: string }>();
    for (const { row } of instances)
      for (const l of logins)
        if (access.peers.get(l.peerId)?.includes(row.id))
          want.set(`${row.id}/${l.peerId}`, { instanceId: row.id, peerId: l.peerId, username: l.username });
    const key = (a: { instanceId: string; peerId: number | null }) => `${a.instanceId}/${a.peerId}`;
    const unwanted = have.filter((a) => !a.removing && want.get(key(a))?.username !== a.username);
    return {
      // Made by the service's own command: its remove command runs first.
      retire: unwanted.filter((a) => a.applied !== null).map((a) => a.id),
      drop: unwanted.filter((a) => a.applied === null).map((a) => a.id),
      make: [...want.values()].filter(
        (w) => !have.some((a) => !a.removing && key(a) === key(w) && a.username === w.username),
      ),
    };
  });
  if (!plan.retire.length && !plan.drop.length && !plan.make.length) return;
  const made = await Promise.all(
    plan.make.map(async (m) => ({ ...m, passwordHash: await hashPassword(unknownPassword()) })),
  );
  const now = runtimeOf(db).clock();
  db.transaction((tx) => {
    for (const id of plan.drop) tx.delete(serviceAccounts).where(eq(serviceAccounts.id, id)).run();
    for (const id of plan.retire)
      tx.update(serviceAccounts).set({ removing: true, peerId: null }).where(eq(serviceAccounts.id, id)).run();
    for (const m of made)
      tx.insert(serviceAccounts)
        .values({ ...m, createdAt: now, passwordShownAt: null })
        .onConflictDoNothing()
        .run();
  });
}

export const rowsOf = (tx: DbOrTx, instanceId: string) =>
  tx.select().from(serviceAccounts).where(eq(serviceAccounts.instanceId, instanceId)).all();

export function accountOf(db: Db, instanceId: string, peerId: number): AccountRow {
  const row = db
    .select()
    .from(serviceAccounts)
    .where(
      and(
        eq(serviceAccounts.instanceId, instanceId),
        eq(serviceAccounts.peerId, peerId),
        eq(serviceAccounts.removing, false),
      ),
    )
    .get();
  if (!row) throw new NotFoundError(`This peer has no account on ${instanceId}`);
  return row;
}

/** Whether each peer with a login may connect (a disabled peer's accounts are refused). */
export const enabledPeers = (tx: DbOrTx) => new Map(portalLogins(tx).map((l) => [l.peerId, l.enabled]));

/** The accounts on one service, for its page: who, since when; never a password or its hash. */
export function listAccounts(db: Db, instanceId: string) {
  const enabled = enabledPeers(db);
  return rowsOf(db, instanceId)
    .filter((a) => !a.removing && a.peerId !== null)
    .map((a) => ({
      peerId: a.peerId!,
      username: a.username,
      enabled: enabled.get(a.peerId!) ?? false,
      createdAt: a.createdAt,
      passwordShownAt: a.passwordShownAt,
    }));
}

/** A peer's accounts, by instance: what its portal lists. */
export function accountsOfPeer(db: Db, peerId: number): AccountRow[] {
  return db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.peerId, peerId), eq(serviceAccounts.removing, false)))
    .all();
}
