/** A peer's `.cell` name in the registry: `alice.cell` points at its tunnel address. */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { cellNames, peers } from '../../db/schema';
import { ConflictError } from '../../errors';
import { assertNameFree, holdName, insertName, peerLabel, releaseOwner, type NameOwner } from '../names';

type Named = { id: number; name: string; hostIndex: number };

const ownerOf = (p: Pick<Named, 'id' | 'name'>): NameOwner => ({
  kind: 'peer',
  ref: String(p.id),
  description: `peer ${p.name}`,
});

/** Before a peer takes a name: its label must be free (or already its own). */
export function assertPeerNameFree(db: DbOrTx, name: string, selfId?: number): void {
  assertNameFree(db, peerLabel(name), selfId === undefined ? undefined : ownerOf({ id: selfId, name }), 'name');
}

/** A new peer takes its name: the caller checked it was free (assertPeerNameFree) in the same transaction. */
export function claimPeerName(db: DbOrTx, peer: Named, now?: Date): void {
  insertName(db, peerLabel(peer.name), ownerOf(peer), { to: 'host', index: peer.hostIndex }, now);
}

export function holdPeerName(db: DbOrTx, peer: Named, now?: Date): void {
  holdName(db, peerLabel(peer.name), ownerOf(peer), { to: 'host', index: peer.hostIndex }, { field: 'name', now });
}

export function releasePeerName(db: DbOrTx, id: number): void {
  releaseOwner(db, { kind: 'peer', ref: String(id) });
}

/**
 * Peers of a cell made before the registry (or whose label someone else held then) take
 * their names at start; a label still held by another owner is left with it.
 */
export function ensurePeerNames(db: DbOrTx): number {
  const missing = db
    .select({ id: peers.id, name: peers.name, hostIndex: peers.hostIndex })
    .from(peers)
    .where(
      sql`NOT EXISTS (SELECT 1 FROM ${cellNames} WHERE ${cellNames.kind} = 'peer' AND ${cellNames.ref} = CAST(${peers.id} AS TEXT))`,
    )
    .orderBy(peers.id)
    .all();
  let held = 0;
  for (const p of missing) {
    try {
      holdPeerName(db, p);
      held++;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return held;
}
