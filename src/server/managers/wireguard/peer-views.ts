/** How peers are read: the list with search, sort and pages, one peer for its owner, and the view both return. */
import { asc, count, desc, eq, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import { cidrIndexOf, parseIpv4 } from '@/lib/cidr';
import type { ListPeersInput } from '@/lib/schemas/wireguard';
import type { Db } from '../../db';
import { peers, users } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { findAccount, type SessionUser } from '../accounts';
import { liveStatus } from './interface';
import { hostAddresses, isActive, planOf, type Plan } from './model';
import { serverRow, type PeerRecord } from './state';
import { isOnline, type PeerLive } from './status';
import { runtimeOf } from '../../runtime/runtime';

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
    peerToPeer: row.peerToPeer,
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

export async function listPeers(db: Db, input: ListPeersInput, now = runtimeOf(db).clock()) {
  const server = serverRow(db);
  const plan = planOf(server);
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 50;
  let where: SQL | undefined;
  const search = input.search?.trim();
  if (search) {
    const byName = like(peers.name, `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    // A whole address finds its peer; ESCAPE makes % and _ in names literal.
    const index = parseIpv4(search) !== null ? cidrIndexOf(plan.v4, search) : null;
    const nameCond = sql`${byName} ESCAPE '\\'`;
    where = index !== null ? or(nameCond, eq(peers.hostIndex, index)) : nameCond;
  }
  const order = (input.dir ?? 'asc') === 'asc' ? asc : desc;
  const orderBy = [order(SORTS[input.sort ?? 'name']), asc(peers.id)];
  // Without a search the page's ids come from the sort's index alone and only those rows
  // are read whole (a later page would otherwise read every row before it); a search reads
  // every name anyway.
  const offset = (page - 1) * pageSize;
  const pageIds = () =>
    db
      .select({ id: peers.id })
      .from(peers)
      .orderBy(...orderBy)
      .limit(pageSize)
      .offset(offset);
  const rows = db
    .select({ peer: peers, username: users.username })
    .from(peers)
    .leftJoin(users, eq(users.id, peers.userId))
    .where(where ?? inArray(peers.id, pageIds()))
    .orderBy(...orderBy)
    .limit(pageSize)
    .offset(where ? offset : 0)
    .all();
  const total = db.select({ n: count() }).from(peers).where(where).get()?.n ?? 0;
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
  return view(row, planOf(serverRow(db)), live?.peers.get(row.publicKey), now, login?.username ?? null);
}

/** The peer that belongs to a portal login, if any. */
export function peerIdOfUser(db: Db, userId: number): number | null {
  return db.select({ id: peers.id }).from(peers).where(eq(peers.userId, userId)).get()?.id ?? null;
}
