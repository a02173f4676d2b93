import { and, asc, count, desc, eq, isNotNull, like, lte, or, sql, type SQL } from 'drizzle-orm';
import { cidrIndexOf, parseIpv4 } from '@/lib/cidr';
import type { CreatePeer, ListPeersInput, UpdatePeer } from '@/lib/schemas/wireguard';
import type { Db } from '../../db';
import { peers, users } from '../../db/schema';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../errors';
import { encryptSecret } from '../../runtime/secrets';
import type { SessionUser } from '../accounts';
import { appendAudit } from '../audit';
import { assertPeerNameFree } from '../dns/state';
import { namesChanged } from '../network-services';
import { applyWireguard, liveStatus, type PeerChange } from './apply';
import { generateKeyPair, generatePresharedKey } from './keys';
import { CELL_HOST_INDEX, FIRST_PEER_INDEX, hostAddresses, isActive, lastPeerIndex, planOf, type Plan } from './model';
import { bumpRevision } from './server';
import { serverRow, type PeerRecord } from './state';
import { isOnline, type PeerLive } from './status';

function view(row: PeerRecord, plan: Plan, live: PeerLive | undefined, now: Date, username: string | null = null) {
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

/** Host number for a requested address, or a field error saying why it cannot be used. */
function requestedIndex(db: Db, plan: Plan, subnet: string, address: string, selfId?: number): number {
  const index = cidrIndexOf(plan.v4, address);
  if (index === null) throw new ValidationError(`${address} is outside the tunnel subnet ${subnet}`, 'address');
  if (index === 0 || index > lastPeerIndex(plan)) throw new ValidationError(`${address} is the network or broadcast address of ${subnet}`, 'address');
  if (index === CELL_HOST_INDEX) throw new ValidationError(`${address} is the cell's own address`, 'address');
  const owner = db.select({ id: peers.id, name: peers.name }).from(peers).where(eq(peers.hostIndex, index)).get();
  if (owner && owner.id !== selfId) throw new ConflictError(`${address} is already used by peer ${owner.name}`, 'address');
  return index;
}

/** The lowest free host number from the first peer address up. */
function lowestFreeIndex(db: Db): number {
  const row = db.get<{ h: number }>(sql`
    SELECT ${FIRST_PEER_INDEX} AS h WHERE NOT EXISTS (SELECT 1 FROM peers WHERE host_index = ${FIRST_PEER_INDEX})
    UNION ALL
    SELECT p.host_index + 1 FROM peers p
      WHERE p.host_index >= ${FIRST_PEER_INDEX} AND NOT EXISTS (SELECT 1 FROM peers q WHERE q.host_index = p.host_index + 1)
    ORDER BY h LIMIT 1`);
  return row?.h ?? FIRST_PEER_INDEX;
}

/** Unique indexes are the final word on names, addresses and keys; their violations become field errors. */
function uniqueViolation(err: unknown, name: string): never {
  const message = (err as Error).message ?? '';
  if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
    if (message.includes('host_index')) throw new ConflictError('That address was just taken by another peer', 'address');
    if (message.includes('public_key')) throw new ConflictError('This public key already belongs to another peer', 'publicKey');
    if (message.includes('lower(name)') || message.includes('peers.name')) throw new ConflictError(`A peer named ${name} already exists`, 'name');
  }
  throw err;
}

function assertNameFree(db: Db, name: string, selfId?: number) {
  const other = db.select({ id: peers.id }).from(peers).where(sql`lower(${peers.name}) = lower(${name})`).get();
  if (other && other.id !== selfId) throw new ConflictError(`A peer named ${name} already exists`, 'name');
}

export async function createPeer(db: Db, input: CreatePeer, now = new Date()) {
  const own = input.publicKey ? null : generateKeyPair();
  const publicKey = input.publicKey ?? own!.publicKey;
  const privateKeyEnc = own ? encryptSecret(own.privateKey) : null;
  const presharedKeyEnc = input.presharedKey ? encryptSecret(generatePresharedKey()) : null;
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new ValidationError('The expiry must be in the future', 'expiresAt');

  let row: PeerRecord;
  try {
    row = db.transaction(
      (tx) => {
        const t = tx as unknown as Db;
        const server = serverRow(t);
        const plan = planOf(server);
        assertNameFree(t, input.name);
        assertPeerNameFree(t, input.name);
        const index = input.address ? requestedIndex(t, plan, server.subnet, input.address) : lowestFreeIndex(t);
        if (index > lastPeerIndex(plan)) {
          throw new ConflictError(`The tunnel subnet ${server.subnet} is full: all ${lastPeerIndex(plan) - 1} peer addresses are taken`);
        }
        const inserted = tx
          .insert(peers)
          .values({
            name: input.name,
            hostIndex: index,
            routingPolicy: input.routingPolicy,
            allowedIps: input.routingPolicy === 'custom' ? (input.allowedIps ?? []) : [],
            peerToPeer: input.peerToPeer,
            publicKey,
            privateKeyEnc,
            presharedKeyEnc,
            enabled: input.enabled,
            expiresAt: input.expiresAt ?? null,
            createdAt: now,
            updatedAt: now,
            keysRotatedAt: now,
          })
          .returning()
          .get();
        bumpRevision(tx, now);
        return inserted;
      },
      { behavior: 'immediate' },
    );
  } catch (err) {
    uniqueViolation(err, input.name);
  }
  const apply = await applyWireguard(db, { peerIds: [row.id] });
  await namesChanged(db);
  return { ...view(row, planOf(serverRow(db)), undefined, now), apply };
}

const SORTS = {
  name: sql`lower(${peers.name})`,
  address: peers.hostIndex,
  createdAt: peers.createdAt,
  expiresAt: peers.expiresAt,
};

export async function listPeers(db: Db, input: ListPeersInput, now = new Date()) {
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
  const rows = db
    .select({ peer: peers, username: users.username })
    .from(peers)
    .leftJoin(users, eq(users.id, peers.userId))
    .where(where)
    .orderBy(order(SORTS[input.sort ?? 'name']), asc(peers.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .all();
  const total = db.select({ n: count() }).from(peers).where(where).get()?.n ?? 0;
  const { live } = await liveStatus();
  return {
    items: rows.map((r) => view(r.peer, plan, live?.peers.get(r.peer.publicKey), now, r.username)),
    total,
    page,
    pageSize,
    statusAvailable: live !== null,
  };
}

/** A peer may only see its own row; to anyone else it does not exist. */
/** The peer row, if the session may see it: an admin, or the peer it belongs to. */
export function ownedRow(db: Db, id: number, session: SessionUser): PeerRecord {
  const row = db.select().from(peers).where(eq(peers.id, id)).get();
  if (!row || (session.role !== 'admin' && row.userId !== session.id)) throw new NotFoundError(`Peer ${id} not found`);
  return row;
}

export async function peerById(db: Db, id: number, session: SessionUser, now = new Date()) {
  const row = ownedRow(db, id, session);
  const login = row.userId ? db.select({ username: users.username }).from(users).where(eq(users.id, row.userId)).get() : undefined;
  const { live } = await liveStatus();
  return view(row, planOf(serverRow(db)), live?.peers.get(row.publicKey), now, login?.username ?? null);
}

/** The peer that belongs to a portal login, if any. */
export function peerIdOfUser(db: Db, userId: number): number | null {
  return db.select({ id: peers.id }).from(peers).where(eq(peers.userId, userId)).get()?.id ?? null;
}

async function commitChange(db: Db, id: number, change: (tx: Db, row: PeerRecord) => Partial<typeof peers.$inferInsert>, now: Date, removedKeys: (before: PeerRecord, after: PeerRecord) => string[]) {
  let before!: PeerRecord;
  let after!: PeerRecord;
  try {
    db.transaction(
      (tx) => {
        const t = tx as unknown as Db;
        before = peerRow(t, id);
        const set = change(t, before);
        after = tx.update(peers).set({ ...set, updatedAt: now }).where(eq(peers.id, id)).returning().get();
        bumpRevision(tx, now);
      },
      { behavior: 'immediate' },
    );
  } catch (err) {
    uniqueViolation(err, before?.name ?? '');
  }
  const apply = await applyWireguard(db, { peerIds: [id], removedKeys: removedKeys(before, after) });
  if (before.name !== after.name || before.hostIndex !== after.hostIndex) await namesChanged(db);
  return { ...view(after, planOf(serverRow(db)), undefined, now), apply };
}

/** The interface drops a peer's old key when the key changes, and drops the peer while it is inactive. */
function keysToDrop(now: Date) {
  return (before: PeerRecord, after: PeerRecord) =>
    before.publicKey !== after.publicKey || !isActive(after, now) ? [before.publicKey] : [];
}

function assertCanEnable(row: PeerRecord, expiresAt: Date | null, now: Date) {
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new InvalidStateError(`${row.name} expired on ${expiresAt.toISOString()}: extend or clear the expiry to enable it`, 'expiresAt');
  }
}

export function updatePeer(db: Db, input: UpdatePeer, now = new Date()) {
  return commitChange(
    db,
    input.id,
    (tx, row) => {
      const server = serverRow(tx);
      const set: Partial<typeof peers.$inferInsert> = {};
      if (input.name !== undefined && input.name !== row.name) {
        assertNameFree(tx, input.name, row.id);
        assertPeerNameFree(tx, input.name, row.id);
        set.name = input.name;
      }
      if (input.address !== undefined) set.hostIndex = requestedIndex(tx, planOf(server), server.subnet, input.address, row.id);
      const policy = input.routingPolicy ?? row.routingPolicy;
      if (input.routingPolicy !== undefined) set.routingPolicy = policy;
      if (policy === 'custom') {
        const list = input.allowedIps ?? row.allowedIps;
        if (!list.length) throw new ValidationError('A custom policy needs at least one network', 'allowedIps');
        set.allowedIps = list;
      } else set.allowedIps = [];
      if (input.peerToPeer !== undefined) set.peerToPeer = input.peerToPeer;
      if (input.presharedKey === false) set.presharedKeyEnc = null;
      if (input.presharedKey === true && !row.presharedKeyEnc) set.presharedKeyEnc = encryptSecret(generatePresharedKey());
      const expiresAt = input.expiresAt !== undefined ? input.expiresAt : row.expiresAt;
      if (input.expiresAt !== undefined) set.expiresAt = input.expiresAt;
      if (input.expiresAt && input.expiresAt.getTime() > now.getTime() && row.disabledReason === 'expired' && input.enabled === undefined) {
        // Extending an expired peer brings it back.
        set.enabled = true;
        set.disabledReason = null;
      }
      if (input.enabled !== undefined) {
        if (input.enabled) assertCanEnable(row, expiresAt, now);
        set.enabled = input.enabled;
        set.disabledReason = null;
      }
      return set;
    },
    now,
    keysToDrop(now),
  );
}

export function setPeerEnabled(db: Db, id: number, enabled: boolean, now = new Date()) {
  return updatePeer(db, { id, enabled }, now);
}

/** New keys for a peer; one that brought its own key must bring the new public key too. */
export function rotatePeerKeys(db: Db, id: number, publicKey: string | undefined, now = new Date()) {
  return commitChange(
    db,
    id,
    (_tx, row) => {
      if (row.privateKeyEnc === null && !publicKey) {
        throw new ValidationError(`${row.name} uses its own key pair: give its new public key`, 'publicKey');
      }
      const own = publicKey ? null : generateKeyPair();
      return {
        publicKey: publicKey ?? own!.publicKey,
        privateKeyEnc: own ? encryptSecret(own.privateKey) : null,
        presharedKeyEnc: row.presharedKeyEnc ? encryptSecret(generatePresharedKey()) : null,
        keysRotatedAt: now,
      };
    },
    now,
    keysToDrop(now),
  );
}

export async function removePeer(db: Db, id: number, now = new Date()) {
  const row = db.transaction(
    (tx) => {
      const found = peerRow(tx as unknown as Db, id);
      tx.delete(peers).where(eq(peers.id, id)).run();
      // The peer's portal login goes with it.
      if (found.userId) tx.delete(users).where(and(eq(users.id, found.userId), eq(users.role, 'peer'))).run();
      bumpRevision(tx, now);
      return found;
    },
    { behavior: 'immediate' },
  );
  const apply = await applyWireguard(db, { removedKeys: [row.publicKey] });
  await namesChanged(db);
  return { id: row.id, name: row.name, apply };
}

/** Background: peers past their expiry are disabled, each with an audit entry. */
export async function expirePeers(db: Db, now = new Date()) {
  const due = db.transaction(
    (tx) => {
      const rows = tx
        .select()
        .from(peers)
        .where(and(eq(peers.enabled, true), isNotNull(peers.expiresAt), lte(peers.expiresAt, now)))
        .all();
      if (!rows.length) return rows;
      for (const r of rows) tx.update(peers).set({ enabled: false, disabledReason: 'expired', updatedAt: now }).where(eq(peers.id, r.id)).run();
      bumpRevision(tx, now);
      return rows;
    },
    { behavior: 'immediate' },
  );
  for (const r of due) {
    appendAudit(db, { actor: 'system', actorRole: 'system', procedure: 'peers.expire', input: { id: r.id, name: r.name, expiresAt: r.expiresAt }, outcome: 'success' }, now);
  }
  const change: PeerChange = { removedKeys: due.map((r) => r.publicKey) };
  return { expired: due.map((r) => ({ id: r.id, name: r.name })), apply: due.length ? await applyWireguard(db, change) : null };
}
