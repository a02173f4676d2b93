/** Peer groups and memberships: the defaults a group gives its members. */
import { eq, inArray } from 'drizzle-orm';
import type { CreateGroup, UpdateGroup } from '@/lib/schemas/firewall';
import type { Db, DbOrTx } from '../../db';
import { peerGroupMembers, peerGroups } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { confirmable } from './confirm';
import { policyOf } from './model';
import { knownServices, listGroupRows, listMembers, sources, type GroupRow } from './state';

export function assertServices(tx: DbOrTx, services: readonly string[], field: string) {
  const known = knownServices(tx);
  const unknown = services.filter((s) => !known.includes(s));
  if (unknown.length)
    throw new ValidationError(`${unknown.join(', ')}: not a service of this cell (known: ${known.join(', ')})`, field);
}

function groupConflict(err: unknown, name: string): never {
  if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
    throw new ConflictError(`A group named ${name} already exists`, 'name');
  throw err;
}

export function groupRow(tx: DbOrTx, id: number): GroupRow {
  const row = tx.select().from(peerGroups).where(eq(peerGroups.id, id)).get();
  if (!row) throw new NotFoundError(`Group ${id} does not exist`);
  return row;
}

/** The groups a peer joins: each must exist. Replaces its memberships. */
export function setPeerGroups(tx: DbOrTx, peerId: number, groupIds: readonly number[]): void {
  const ids = [...new Set(groupIds)];
  if (ids.length) {
    const found = tx.select({ id: peerGroups.id }).from(peerGroups).where(inArray(peerGroups.id, ids)).all();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new ValidationError(`No group with id ${missing.join(', ')}`, 'groups');
  }
  tx.delete(peerGroupMembers).where(eq(peerGroupMembers.peerId, peerId)).run();
  if (ids.length)
    tx.insert(peerGroupMembers)
      .values(ids.map((groupId) => ({ groupId, peerId })))
      .run();
}

export function groupsOfPeer(tx: DbOrTx, peerId: number): number[] {
  return tx
    .select({ id: peerGroupMembers.groupId })
    .from(peerGroupMembers)
    .where(eq(peerGroupMembers.peerId, peerId))
    .all()
    .map((r) => r.id);
}

/** A new peer's routing policy when it names none: its first group's that has one. */
export function groupRoutingPolicy(tx: DbOrTx, groupIds: readonly number[]) {
  for (const id of groupIds) {
    const row = tx.select({ p: peerGroups.routingPolicy }).from(peerGroups).where(eq(peerGroups.id, id)).get();
    if (row?.p) return row.p;
  }
  return null;
}

/** Whether a peer may reach other peers once its own setting and its groups' are combined. */
export function peerToPeerOf(tx: DbOrTx, peer: { id: number; peerToPeer: boolean | null }): boolean {
  const ids = groupsOfPeer(tx, peer.id);
  const groups = ids.length ? tx.select().from(peerGroups).where(inArray(peerGroups.id, ids)).all() : [];
  return policyOf({ groups: ids, peerToPeer: peer.peerToPeer, services: null }, new Map(groups.map((g) => [g.id, g])), [
    ...knownServices(tx),
  ]).peerToPeer;
}

export function listGroups(db: Db) {
  const names = new Map((sources.peers?.(db) ?? []).map((p) => [p.id, p.name]));
  const members = listMembers(db);
  return listGroupRows(db).map((g) => ({
    ...g,
    members: members
      .filter((m) => m.groupId === g.id)
      .map((m) => ({ id: m.peerId, name: names.get(m.peerId) ?? `peer ${m.peerId}` }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

export function createGroup(db: Db, input: CreateGroup, clientAddress: string | null) {
  assertServices(db, input.services, 'services');
  const now = runtimeOf(db).clock();
  return confirmable(db, clientAddress, (tx) => {
    try {
      return tx
        .insert(peerGroups)
        .values({ ...input, services: [...new Set(input.services)].sort(), createdAt: now, updatedAt: now })
        .returning()
        .get();
    } catch (err) {
      groupConflict(err, input.name);
    }
  });
}

export function updateGroup(db: Db, input: UpdateGroup, clientAddress: string | null) {
  if (input.services) assertServices(db, input.services, 'services');
  const now = runtimeOf(db).clock();
  const { id, ...set } = input;
  return confirmable(db, clientAddress, (tx) => {
    const before = groupRow(tx, id);
    try {
      return tx
        .update(peerGroups)
        .set({ ...set, ...(set.services ? { services: [...new Set(set.services)].sort() } : {}), updatedAt: now })
        .where(eq(peerGroups.id, id))
        .returning()
        .get();
    } catch (err) {
      groupConflict(err, set.name ?? before.name);
    }
  });
}

export function removeGroup(db: Db, id: number, clientAddress: string | null) {
  return confirmable(db, clientAddress, (tx) => {
    const row = groupRow(tx, id);
    // Its rules go with it (the foreign key cascades); its members keep their own settings.
    tx.delete(peerGroups).where(eq(peerGroups.id, id)).run();
    return row;
  });
}
