/**
 * Aliases of a service whose accounts its own commands make (mail's `family@`): an address that
 * delivers to the accounts of the peers and groups it names, as they are now. A group's new
 * member is a new recipient at the next accounts pass; a peer that loses its account stops
 * being one. The service is told one recipient at a time, and `applied` keeps what it was told.
 */
import { and, eq } from 'drizzle-orm';
import type { AliasCreate, AliasUpdate } from '@/lib/schemas/store-ops';
import type { Db, DbOrTx } from '../../db';
import { serviceAliases } from '../../db/schema';
import { ConflictError, InvalidStateError, NotFoundError } from '../../errors';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { cellFacts } from '../cell';
import { groupsOfPeer, listGroups } from '../firewall';
import { rowsOf } from './account-rows';
import { instanceRow, manifestOfRow } from './state';

export type AliasRow = typeof serviceAliases.$inferSelect;

/** The instance, when its accounts have aliases; refused naming it otherwise. */
function aliasInstance(db: DbOrTx, instanceId: string) {
  const row = instanceRow(db, instanceId);
  const accounts = manifestOfRow(row).accounts;
  if (accounts?.kind !== 'exec' || !accounts.aliases)
    throw new InvalidStateError(`${instanceId} has no aliases`, 'instanceId');
  return row;
}

export const aliasRows = (db: DbOrTx, instanceId: string) =>
  db.select().from(serviceAliases).where(eq(serviceAliases.instanceId, instanceId)).all();

function aliasRow(db: DbOrTx, id: number): AliasRow {
  const row = db
    .select()
    .from(serviceAliases)
    .where(and(eq(serviceAliases.id, id), eq(serviceAliases.removing, false)))
    .get();
  if (!row) throw new NotFoundError(`No alias ${id}`);
  return row;
}

/** The addresses an alias delivers to now: the accounts of its peers and of its groups' members. */
export function recipientsOf(db: DbOrTx, alias: Pick<AliasRow, 'instanceId' | 'peerIds' | 'groupIds'>): string[] {
  const domain = cellFacts(db).domain;
  const groups = new Set(alias.groupIds);
  return rowsOf(db, alias.instanceId)
    .filter(
      (a) =>
        !a.removing &&
        a.peerId !== null &&
        (alias.peerIds.includes(a.peerId) || groupsOfPeer(db, a.peerId).some((g) => groups.has(g))),
    )
    .map((a) => `${a.username}@${domain}`)
    .sort();
}

export function listAliases(db: Db, instanceId: string) {
  aliasInstance(db, instanceId);
  const domain = cellFacts(db).domain;
  return aliasRows(db, instanceId)
    .filter((a) => !a.removing)
    .map((a) => {
      const recipients = recipientsOf(db, a);
      return {
        id: a.id,
        name: a.name,
        address: `${a.name}@${domain}`,
        peerIds: a.peerIds,
        groupIds: a.groupIds,
        recipients,
        /** Whether the service has been told of every recipient yet. */
        applied: sameSet(a.applied, recipients),
      };
    })
    .sort((x, y) => x.name.localeCompare(y.name));
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Peers must have an account on the service, groups must exist: each refused by its field. */
function checkTargets(db: Db, instanceId: string, input: Pick<AliasUpdate, 'peerIds' | 'groupIds'>) {
  const withAccount = new Set(
    rowsOf(db, instanceId).flatMap((a) => (a.removing || a.peerId === null ? [] : [a.peerId])),
  );
  const missing = input.peerIds.filter((p) => !withAccount.has(p));
  if (missing.length)
    throw new InvalidStateError(`Peer ${missing.join(', ')} has no account on ${instanceId}`, 'peerIds');
  const groups = new Set(listGroups(db).map((g) => g.id));
  const unknown = input.groupIds.filter((g) => !groups.has(g));
  if (unknown.length) throw new NotFoundError(`No group ${unknown.join(', ')}`, 'groupIds');
}

export async function createAlias(db: Db, input: AliasCreate) {
  aliasInstance(db, input.instanceId);
  checkTargets(db, input.instanceId, input);
  db.transaction(
    (tx) => {
      const taken = aliasRows(tx, input.instanceId).find((a) => a.name === input.name);
      if (taken)
        throw new ConflictError(
          taken.removing
            ? `${input.name} is still being removed: try again in a moment`
            : `${input.name} is an alias already`,
          'name',
        );
      if (rowsOf(tx, input.instanceId).some((a) => !a.removing && a.username === input.name))
        throw new ConflictError(`${input.name} is an account on ${input.instanceId}`, 'name');
      tx.insert(serviceAliases)
        .values({
          instanceId: input.instanceId,
          name: input.name,
          peerIds: input.peerIds,
          groupIds: input.groupIds,
          createdAt: runtimeOf(db).clock(),
        })
        .run();
    },
    { behavior: 'immediate' },
  );
  await changed(db, ['accounts'], { wait: true });
  return listAliases(db, input.instanceId).find((a) => a.name === input.name)!;
}

export async function updateAlias(db: Db, input: AliasUpdate) {
  const row = aliasRow(db, input.id);
  checkTargets(db, row.instanceId, input);
  db.update(serviceAliases)
    .set({ peerIds: input.peerIds, groupIds: input.groupIds })
    .where(eq(serviceAliases.id, row.id))
    .run();
  await changed(db, ['accounts'], { wait: true });
  return listAliases(db, row.instanceId).find((a) => a.id === row.id)!;
}

/** The alias goes once the service forgot each of its recipients (the next accounts pass). */
export async function removeAlias(db: Db, id: number): Promise<void> {
  const row = aliasRow(db, id);
  db.update(serviceAliases).set({ removing: true }).where(eq(serviceAliases.id, row.id)).run();
  await changed(db, ['accounts'], { wait: true });
}

/**
 * Tells the service what changed: each recipient no longer wanted is removed, each new one
 * added, saving after every command so a failure leaves `applied` true to the service.
 */
export async function syncAliases(
  db: Db,
  instanceId: string,
  run: (argv: readonly string[], values: Record<string, string>) => Promise<void>,
  commands: { add: readonly string[]; remove: readonly string[] },
): Promise<number> {
  const domain = cellFacts(db).domain;
  let count = 0;
  for (const a of aliasRows(db, instanceId)) {
    const want = a.removing ? [] : recipientsOf(db, a);
    const alias = `${a.name}@${domain}`;
    let applied = [...a.applied];
    const save = () => db.update(serviceAliases).set({ applied }).where(eq(serviceAliases.id, a.id)).run();
    for (const email of applied.filter((r) => !want.includes(r))) {
      await run(commands.remove, { alias, email });
      applied = applied.filter((r) => r !== email);
      save();
    }
    for (const email of want.filter((r) => !applied.includes(r))) {
      await run(commands.add, { alias, email });
      applied = [...applied, email];
      save();
    }
    if (a.removing) db.delete(serviceAliases).where(eq(serviceAliases.id, a.id)).run();
    else count++;
  }
  return count;
}
