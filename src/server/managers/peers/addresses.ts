/** Where a peer sits in the tunnel subnet: the address asked for, checked, or the lowest free one. */
import { eq, sql } from 'drizzle-orm';
import { cidrIndexOf } from '@/lib/cidr';
import type { Db } from '../../db';
import { peers } from '../../db/schema';
import { ConflictError, ValidationError } from '../../errors';
import { CELL_HOST_INDEX, FIRST_PEER_INDEX, lastPeerIndex, type Plan } from '../wireguard';

/** Host number for a requested address, or a field error saying why it cannot be used. */
export function requestedIndex(db: Db, plan: Plan, subnet: string, address: string, selfId?: number): number {
  const index = cidrIndexOf(plan.v4, address);
  if (index === null) throw new ValidationError(`${address} is outside the tunnel subnet ${subnet}`, 'address');
  if (index === 0 || index > lastPeerIndex(plan))
    throw new ValidationError(`${address} is the network or broadcast address of ${subnet}`, 'address');
  if (index === CELL_HOST_INDEX) throw new ValidationError(`${address} is the cell's own address`, 'address');
  const owner = db.select({ id: peers.id, name: peers.name }).from(peers).where(eq(peers.hostIndex, index)).get();
  if (owner && owner.id !== selfId)
    throw new ConflictError(`${address} is already used by peer ${owner.name}`, 'address');
  return index;
}

/** Hands out host numbers for new peers; `take` notes one a peer asked for by address. */
export interface IndexAllocator {
  next(): number;
  take(index: number): void;
}

/** One peer: the database finds the lowest free number. */
export const singleAllocator = (db: Db): IndexAllocator => ({ next: () => lowestFreeIndex(db), take: () => {} });

/**
 * Many peers in one transaction (a file): the taken numbers are read once and the lowest
 * free ones handed out in order, instead of a search through the table for each peer.
 */
export function batchAllocator(db: Db): IndexAllocator {
  const taken = new Set(
    db
      .select({ index: peers.hostIndex })
      .from(peers)
      .all()
      .map((r) => r.index),
  );
  let cursor = FIRST_PEER_INDEX;
  return {
    next() {
      while (taken.has(cursor)) cursor++;
      taken.add(cursor);
      return cursor;
    },
    take: (index) => void taken.add(index),
  };
}

/** The lowest free host number from the first peer address up. */
export function lowestFreeIndex(db: Db): number {
  // Numbers are mostly handed out in order and seldom freed: while the numbers taken run
  // without a gap, the next is one past the highest (one pass over the index, no lookups).
  const span = db.get<{ n: number; m: number | null }>(
    sql`SELECT count(*) AS n, max(host_index) AS m FROM peers WHERE host_index >= ${FIRST_PEER_INDEX}`,
  );
  if (span.m === null) return FIRST_PEER_INDEX;
  if (span.n === span.m - FIRST_PEER_INDEX + 1) return span.m + 1;
  const row = db.get<{ h: number }>(sql`
    SELECT ${FIRST_PEER_INDEX} AS h WHERE NOT EXISTS (SELECT 1 FROM peers WHERE host_index = ${FIRST_PEER_INDEX})
    UNION ALL
    SELECT p.host_index + 1 FROM peers p
      WHERE p.host_index >= ${FIRST_PEER_INDEX} AND NOT EXISTS (SELECT 1 FROM peers q WHERE q.host_index = p.host_index + 1)
    ORDER BY h LIMIT 1`);
  return row?.h ?? FIRST_PEER_INDEX;
}
