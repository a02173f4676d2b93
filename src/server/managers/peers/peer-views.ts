/** How peers are read: the list with search, sort and pages, one peer for its owner, and the view both return. */
import { asc, count, desc, eq, inArray, like, or, sql } from 'drizzle-orm';
import { cidrIndexOf, parseIpv4 } from '@/lib/cidr';
import type { ListPeersInput, TrafficRange } from '@/lib/schemas/peers';
import type { Db, DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { peers, users } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { findAccount, type SessionUser } from '../accounts';
import {
  hostAddresses,
  isActive,
  isOnline,
  liveStatus,
  type PeerLive,
  type PeerRecord,
  type Plan,
  planOf,
  serverRow,
} from '../wireguard';
import { runtimeOf } from '../../runtime/runtime';
import { peerEndpointHistory, peerTrafficSeries } from './traffic';
import { groupsOfPeer, peerToPeerOf } from '../firewall';

/** Whether the peer may reach other peers, its groups considered. */
export function effectivePeerToPeer(db: Db, row: PeerRecord): boolean {
  return peerToPeerOf(db, { id: row.id, peerToPeer: row.peerToPeerFromGroups ? null : row.peerToPeer });
}

export function view(
  row: PeerRecord,
  plan: Plan,
  live: PeerLive | undefined,
  now: Date,
  username: string | null = null,
) {
  const a = hostAddresses(plan, row.hostIndex);
  return {
    id: row.id,
    name: row.name,
    address: a.v4,
    address6: a.v6,
    routingPolicy: row.routingPolicy,
    allowedIps: row.allowedIps,
    /** Its own setting; null: its groups decide (`peerById` adds what they decide). */
    peerToPeer: row.peerToPeerFromGroups ? null : row.peerToPeer,
    services: row.services,
    publicKey: row.publicKey,
    ownKey: row.privateKeyEnc === null,
    presharedKey: row.presharedKeyEnc !== null,
    enabled: row.enabled,
    active: isActive(row, now),
    disabledReason: row.disabledReason,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    keysRotatedAt: row.keysRotatedAt,
    login: username,
    latestHandshake: live?.latestHandshake ?? null,
    endpoint: live?.endpoint ?? null,
    rxBytes: live?.rxBytes ?? 0,
    txBytes: live?.txBytes ?? 0,
    online: isOnline(live, now),
  };
}
export type PeerView = ReturnType<typeof view>;

export function peerRow(db: Db, id: number): PeerRecord {
  const row = db.select().from(peers).where(eq(peers.id, id)).get();
  if (!row) throw new NotFoundError(`Peer ${id} not found`);
  return row;
}

const SORTS = {
  name: sql`lower(${peers.name})`,
  address: peers.hostIndex,
  createdAt: peers.createdAt,
  expiresAt: peers.expiresAt,
};
type Sort = keyof typeof SORTS;
type Dir = 'asc' | 'desc';

/**
 * The list's statements, built once per sort, direction and kind (a page, a search): building
 * a query costs drizzle more than SQLite spends running it.
 */
function listQueries(sort: Sort, dir: Dir) {
  const orderBy = [(dir === 'asc' ? asc : desc)(SORTS[sort]), asc(peers.id)];
  // ESCAPE makes % and _ in names literal; a whole address also finds its peer.
  const matches = or(
    sql`${like(peers.name, sql.placeholder('pattern'))} ESCAPE '\\'`,
    eq(peers.hostIndex, sql.placeholder('index')),
  );
  const rows = (db: Db) =>
    db.select({ peer: peers, username: users.username }).from(peers).leftJoin(users, eq(users.id, peers.userId));
  return {
    // Without a search the page's ids come from the sort's index alone and only those rows
    // are read whole (a later page would otherwise read every row before it).
    page: preparedQuery((db) => {
      const ids = db
        .select({ id: peers.id })
        .from(peers)
        .orderBy(...orderBy)
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'));
      return rows(db)
        .where(inArray(peers.id, ids))
        .orderBy(...orderBy)
        .prepare();
    }),
    search: preparedQuery((db) =>
      rows(db)
        .where(matches)
        .orderBy(...orderBy)
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'))
        .prepare(),
    ),
    searchCount: preparedQuery((db) => db.select({ n: count() }).from(peers).where(matches).prepare()),
  };
}
const queries = new Map<string, ReturnType<typeof listQueries>>();
const queriesFor = (sort: Sort, dir: Dir) => {
  const key = `${sort} ${dir}`;
  let q = queries.get(key);
  if (!q) queries.set(key, (q = listQueries(sort, dir)));
  return q;
};
const countAll = preparedQuery((db) => db.select({ n: count() }).from(peers).prepare());

export async function listPeers(db: Db, input: ListPeersInput, now = runtimeOf(db).clock()) {
  const plan = planOf(serverRow(db));
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 50;
  const q = queriesFor(input.sort ?? 'name', input.dir ?? 'asc');
  const search = input.search?.trim();
  const bounds = { limit: pageSize, offset: (page - 1) * pageSize };
  const params = search && {
    ...bounds,
    pattern: `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    index: parseIpv4(search) !== null ? cidrIndexOf(plan.v4, search) : null,
  };
  const rows = params ? q.search(db).all(params) : q.page(db).all(bounds);
  // A page that is neither full nor empty ends the list, so it gives the total without a
  // second pass over every name.
  const total =
    rows.length > 0 && rows.length < pageSize
      ? bounds.offset + rows.length
      : ((params ? q.searchCount(db).get(params) : countAll(db).get())?.n ?? 0);
  const { live } = await liveStatus(db);
  return {
    items: rows.map((r) => view(r.peer, plan, live?.peers.get(r.peer.publicKey), now, r.username)),
    total,
    page,
    pageSize,
    statusAvailable: live !== null,
  };
}

/** The peer row, if the session may see it: an admin, or the peer it belongs to. */
export function ownedRow(db: Db, id: number, session: SessionUser): PeerRecord {
  const row = db.select().from(peers).where(eq(peers.id, id)).get();
  if (!row || (session.role !== 'admin' && row.userId !== session.id)) throw new NotFoundError(`Peer ${id} not found`);
  return row;
}

export async function peerById(db: Db, id: number, session: SessionUser, now = runtimeOf(db).clock()) {
  const row = ownedRow(db, id, session);
  const login = row.userId ? findAccount(db, { id: row.userId }) : undefined;
  const { live } = await liveStatus(db);
  return {
    ...view(row, planOf(serverRow(db)), live?.peers.get(row.publicKey), now, login?.username ?? null),
    endpoints: peerEndpointHistory(db, row.id),
    groups: groupsOfPeer(db, row.id),
    effectivePeerToPeer: effectivePeerToPeer(db, row),
  };
}

/** A peer's bytes per interval over an hour, a day or a week: admins for any peer, a peer for its own. */
export function peerTraffic(
  db: Db,
  input: { id: number; range: TrafficRange },
  session: SessionUser,
  now = runtimeOf(db).clock(),
) {
  ownedRow(db, input.id, session);
  return { points: peerTrafficSeries(db, input.id, input.range, now) };
}

/** The names of the peers with these ids that still exist. */
export function peerNames(db: Db, ids: number[]): Record<number, string> {
  const rows = db.select({ id: peers.id, name: peers.name }).from(peers).where(inArray(peers.id, ids)).all();
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

/** The peer that belongs to a portal login, if any. */
export function peerIdOfUser(db: Db, userId: number): number | null {
  return db.select({ id: peers.id }).from(peers).where(eq(peers.userId, userId)).get()?.id ?? null;
}

/** Every peer with a portal login, and whether it may connect: who the store's services make accounts for. */
export function portalLogins(tx: DbOrTx): { peerId: number; username: string; enabled: boolean }[] {
  return tx
    .select({ peerId: peers.id, username: users.username, enabled: peers.enabled })
    .from(peers)
    .innerJoin(users, eq(users.id, peers.userId))
    .orderBy(asc(peers.id))
    .all();
}
