import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

export const peers = sqliteTable(
  'peers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** Offset of the peer's address in the tunnel subnet (and the IPv6 one): unique, so addresses never collide. */
    hostIndex: integer('host_index').notNull(),
    routingPolicy: text('routing_policy', { enum: ['full', 'cell', 'custom'] }).notNull(),
    allowedIps: text('allowed_ips', { mode: 'json' }).$type<string[]>().notNull(),
    peerToPeer: integer('peer_to_peer', { mode: 'boolean' }).notNull(),
    /** Peer-to-peer comes from the peer's groups instead of `peerToPeer`. */
    peerToPeerFromGroups: integer('peer_to_peer_from_groups', { mode: 'boolean' }).notNull().default(false),
    /** The cell services this peer may use; null: its groups' (every service when it has none). */
    services: text('services', { mode: 'json' }).$type<string[]>(),
    publicKey: text('public_key').notNull(),
    /** Null when the person brought their own key: the cell never sees it. */
    privateKeyEnc: text('private_key_enc'),
    presharedKeyEnc: text('preshared_key_enc'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    disabledReason: text('disabled_reason', { enum: ['expired'] }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    keysRotatedAt: integer('keys_rotated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('peers_name').on(sql`lower(${t.name})`),
    uniqueIndex('peers_host_index').on(t.hostIndex),
    uniqueIndex('peers_public_key').on(t.publicKey),
    uniqueIndex('peers_user').on(t.userId),
    index('peers_expiry').on(t.enabled, t.expiresAt),
    // The list's sort orders, each with the id that breaks ties.
    index('peers_created').on(t.createdAt, t.id),
    index('peers_expires').on(t.expiresAt, t.id),
  ],
);

/** One-time portal links: only the hash is stored; used once or void after 24 hours. */
export const loginLinks = sqliteTable('login_links', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Bytes the interface received from and sent to a peer (what `wg show` counts) per interval,
 * at the resolutions in `TRAFFIC_TIERS`. Only intervals with traffic are stored. The
 * migration makes it WITHOUT ROWID: the key is the row, which halves its size on disk.
 */
export const peerTraffic = sqliteTable(
  'peer_traffic',
  {
    peerId: integer('peer_id')
      .notNull()
      .references(() => peers.id, { onDelete: 'cascade' }),
    tier: integer('tier').notNull(),
    /** Start of the interval, in seconds since the epoch. */
    at: integer('at').notNull(),
    rx: integer('rx').notNull(),
    tx: integer('tx').notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.tier, t.at] })],
);

/** The whole tunnel per interval: bytes in and out, and the most peers online at once. */
export const cellTraffic = sqliteTable(
  'cell_traffic',
  {
    tier: integer('tier').notNull(),
    at: integer('at').notNull(),
    rx: integer('rx').notNull(),
    tx: integer('tx').notNull(),
    online: integer('online').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tier, t.at] })],
);

/** The interface's byte counters for a peer at the last sample: the next one counts from here. */
export const peerCounters = sqliteTable('peer_counters', {
  peerId: integer('peer_id')
    .primaryKey()
    .references(() => peers.id, { onDelete: 'cascade' }),
  rx: integer('rx').notNull(),
  tx: integer('tx').notNull(),
});

/** Where a peer connected from: each endpoint with when it was first and last seen. */
export const peerEndpoints = sqliteTable(
  'peer_endpoints',
  {
    peerId: integer('peer_id')
      .notNull()
      .references(() => peers.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    firstSeen: integer('first_seen', { mode: 'timestamp_ms' }).notNull(),
    lastSeen: integer('last_seen', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.endpoint] })],
);
