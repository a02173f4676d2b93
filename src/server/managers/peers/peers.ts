import { eq, sql } from 'drizzle-orm';
import type { CreatePeer, UpdatePeer } from '@/lib/schemas/peers';
import type { Db } from '../../db';
import { peerCounters, peers } from '../../db/schema';
import { ConflictError, InvalidStateError, ValidationError } from '../../errors';
import { changed } from '../../runtime/changes';
import { encryptSecret } from '../../runtime/secrets';
import { endSessions, removePeerAccount } from '../accounts';
import { groupRoutingPolicy, setPeerGroups } from '../firewall';
import {
  applyWireguard,
  bumpRevision,
  generateKeyPair,
  generatePresharedKey,
  isActive,
  lastPeerIndex,
  type PeerRecord,
  planOf,
  serverRow,
  type ServerSettingsRow,
} from '../wireguard';
import { peerRow, view } from './peer-views';
import { requestedIndex, singleAllocator, type IndexAllocator } from './addresses';
import { assertPeerNameFree, claimPeerName, holdPeerName, releasePeerName } from './names';
import { runtimeOf } from '../../runtime/runtime';

/** Unique indexes are the final word on names, addresses and keys; their violations become field errors. */
function uniqueViolation(err: unknown, name: string): never {
  const message = (err as Error).message ?? '';
  if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
    if (message.includes('host_index'))
      throw new ConflictError('That address was just taken by another peer', 'address');
    if (message.includes('public_key'))
      throw new ConflictError('This public key already belongs to another peer', 'publicKey');
    if (message.includes('lower(name)') || message.includes('peers.name'))
      throw new ConflictError(`A peer named ${name} already exists`, 'name');
  }
  throw err;
}

function assertNameFree(db: Db, name: string, selfId?: number) {
  const other = db
    .select({ id: peers.id })
    .from(peers)
    .where(sql`lower(${peers.name}) = lower(${name})`)
    .get();
  if (other && other.id !== selfId) throw new ConflictError(`A peer named ${name} already exists`, 'name');
}

/** Keys for a new peer, made before its transaction (key generation is the slow part). */
export function newPeerSecrets(input: CreatePeer) {
  const own = input.publicKey ? null : generateKeyPair();
  return {
    publicKey: input.publicKey ?? own!.publicKey,
    privateKeyEnc: own ? encryptSecret(own.privateKey, 'peers.private_key_enc') : null,
    presharedKeyEnc: input.presharedKey ? encryptSecret(generatePresharedKey(), 'peers.preshared_key_enc') : null,
  };
}

/**
 * One peer's row, inside the caller's transaction: name and address checked, the lowest
 * free address taken. A caller inserting many reads the server row once and hands it in.
 */
export function insertPeer(
  tx: Db,
  input: CreatePeer,
  secrets: ReturnType<typeof newPeerSecrets>,
  now: Date,
  server: Pick<ServerSettingsRow, 'subnet' | 'subnet6'> = serverRow(tx),
  indexes: IndexAllocator = singleAllocator(tx),
): PeerRecord {
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
    throw new ValidationError('The expiry must be in the future', 'expiresAt');
  const plan = planOf(server);
  const routingPolicy = input.routingPolicy ?? groupRoutingPolicy(tx, input.groups);
  if (!routingPolicy)
    throw new ValidationError('Choose full, cell or custom: none of its groups sets a routing policy', 'routingPolicy');
  assertNameFree(tx, input.name);
  assertPeerNameFree(tx, input.name);
  let index: number;
  if (input.address) indexes.take((index = requestedIndex(tx, plan, server.subnet, input.address)));
  else index = indexes.next();
  if (index > lastPeerIndex(plan)) {
    throw new ConflictError(
      `The tunnel subnet ${server.subnet} is full: all ${lastPeerIndex(plan) - 1} peer addresses are taken`,
    );
  }
  try {
    const row = tx
      .insert(peers)
      .values({
        name: input.name,
        hostIndex: index,
        routingPolicy,
        allowedIps: routingPolicy === 'custom' ? (input.allowedIps ?? []) : [],
        peerToPeer: input.peerToPeer ?? false,
        // Not set: its groups decide, when it has any.
        peerToPeerFromGroups: input.peerToPeer === null || (input.peerToPeer === undefined && input.groups.length > 0),
        services: input.services,
        ...secrets,
        enabled: input.enabled,
        expiresAt: input.expiresAt ?? null,
        createdAt: now,
        updatedAt: now,
        keysRotatedAt: now,
      })
      .returning()
      .get();
    claimPeerName(tx, row, now);
    if (input.groups.length) setPeerGroups(tx, row.id, input.groups);
    // The interface counts a new peer from zero: its first bytes are traffic, not a baseline.
    tx.insert(peerCounters).values({ peerId: row.id, rx: 0, tx: 0 }).run();
    return row;
  } catch (err) {
    uniqueViolation(err, input.name);
  }
}

export async function createPeer(db: Db, input: CreatePeer, now = runtimeOf(db).clock()) {
  const secrets = newPeerSecrets(input);
  const row = db.transaction(
    (tx) => {
      const inserted = insertPeer(tx as unknown as Db, input, secrets, now);
      bumpRevision(tx, now);
      return inserted;
    },
    { behavior: 'immediate' },
  );
  const apply = await applyWireguard(db, { peerIds: [row.id] });
  void changed(db, ['names', 'firewall'], { peers: [row.id] });
  return { ...view(row, planOf(serverRow(db)), undefined, now), apply };
}

async function commitChange(
  db: Db,
  id: number,
  change: (tx: Db, row: PeerRecord) => Partial<typeof peers.$inferInsert>,
  now: Date,
  removedKeys: (before: PeerRecord, after: PeerRecord) => string[],
  /** Whether the change reaches the firewall (groups, peer-to-peer, services) beyond name and address. */
  firewall = false,
) {
  let before!: PeerRecord;
  let after!: PeerRecord;
  try {
    db.transaction(
      (tx) => {
        const t = tx as unknown as Db;
        before = peerRow(t, id);
        const set = change(t, before);
        after = tx
          .update(peers)
          .set({ ...set, updatedAt: now })
          .where(eq(peers.id, id))
          .returning()
          .get();
        if (before.name !== after.name || before.hostIndex !== after.hostIndex) holdPeerName(t, after, now);
        bumpRevision(tx, now);
      },
      { behavior: 'immediate' },
    );
  } catch (err) {
    uniqueViolation(err, before?.name ?? '');
  }
  const apply = await applyWireguard(db, { peerIds: [id], removedKeys: removedKeys(before, after) });
  const moved = before.name !== after.name || before.hostIndex !== after.hostIndex;
  if (moved) void changed(db, ['names', 'firewall'], { peers: [id] });
  else if (firewall) void changed(db, ['firewall'], { peers: [id] });
  // A disabled peer's service accounts are refused until it is enabled again.
  if (before.enabled !== after.enabled) void changed(db, ['accounts']);
  return { ...view(after, planOf(serverRow(db)), undefined, now), apply };
}

/** The interface drops a peer's old key when the key changes, and drops the peer while it is inactive. */
function keysToDrop(now: Date) {
  return (before: PeerRecord, after: PeerRecord) =>
    before.publicKey !== after.publicKey || !isActive(after, now) ? [before.publicKey] : [];
}

function assertCanEnable(row: PeerRecord, expiresAt: Date | null, now: Date) {
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new InvalidStateError(
      `${row.name} expired on ${expiresAt.toISOString()}: extend or clear the expiry to enable it`,
      'expiresAt',
    );
  }
}

export function updatePeer(db: Db, input: UpdatePeer, now = runtimeOf(db).clock()) {
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
      if (input.address !== undefined)
        set.hostIndex = requestedIndex(tx, planOf(server), server.subnet, input.address, row.id);
      const policy = input.routingPolicy ?? row.routingPolicy;
      if (input.routingPolicy !== undefined) set.routingPolicy = policy;
      if (policy === 'custom') {
        const list = input.allowedIps ?? row.allowedIps;
        if (!list.length) throw new ValidationError('A custom policy needs at least one network', 'allowedIps');
        set.allowedIps = list;
      } else set.allowedIps = [];
      if (input.peerToPeer !== undefined) {
        set.peerToPeerFromGroups = input.peerToPeer === null;
        set.peerToPeer = input.peerToPeer ?? false;
      }
      if (input.services !== undefined) set.services = input.services;
      if (input.groups !== undefined) setPeerGroups(tx, row.id, input.groups);
      if (input.presharedKey === false) set.presharedKeyEnc = null;
      if (input.presharedKey === true && !row.presharedKeyEnc)
        set.presharedKeyEnc = encryptSecret(generatePresharedKey(), 'peers.preshared_key_enc');
      const expiresAt = input.expiresAt !== undefined ? input.expiresAt : row.expiresAt;
      if (input.expiresAt !== undefined) set.expiresAt = input.expiresAt;
      if (
        input.expiresAt &&
        input.expiresAt.getTime() > now.getTime() &&
        row.disabledReason === 'expired' &&
        input.enabled === undefined
      ) {
        // Extending an expired peer brings it back.
        set.enabled = true;
        set.disabledReason = null;
      }
      if (input.enabled !== undefined) {
        if (input.enabled) assertCanEnable(row, expiresAt, now);
        // A disabled peer is signed out of the portal everywhere.
        else if (row.enabled && row.userId) endSessions(tx, row.userId);
        set.enabled = input.enabled;
        set.disabledReason = null;
      }
      return set;
    },
    now,
    keysToDrop(now),
    input.peerToPeer !== undefined || input.services !== undefined || input.groups !== undefined,
  );
}

export function setPeerEnabled(db: Db, id: number, enabled: boolean, now = runtimeOf(db).clock()) {
  return updatePeer(db, { id, enabled }, now);
}

/** New keys for a peer; one that brought its own key must bring the new public key too. */
export function rotatePeerKeys(db: Db, id: number, publicKey: string | undefined, now = runtimeOf(db).clock()) {
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
        privateKeyEnc: own ? encryptSecret(own.privateKey, 'peers.private_key_enc') : null,
        presharedKeyEnc: row.presharedKeyEnc ? encryptSecret(generatePresharedKey(), 'peers.preshared_key_enc') : null,
        keysRotatedAt: now,
      };
    },
    now,
    keysToDrop(now),
  );
}

export async function removePeer(db: Db, id: number, now = runtimeOf(db).clock()) {
  const row = db.transaction(
    (tx) => {
      const found = peerRow(tx as unknown as Db, id);
      tx.delete(peers).where(eq(peers.id, id)).run();
      releasePeerName(tx, id);
      // The peer's portal login goes with it.
      if (found.userId) removePeerAccount(tx, found.userId);
      bumpRevision(tx, now);
      return found;
    },
    { behavior: 'immediate' },
  );
  const apply = await applyWireguard(db, { removedKeys: [row.publicKey] });
  void changed(db, ['names', 'firewall'], { peers: [row.id] });
  return { id: row.id, name: row.name, apply };
}
