import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { peers } from './peers';

/** A set of peers sharing defaults: peer-to-peer, the cell services they may use, the routing policy. */
export const peerGroups = sqliteTable(
  'peer_groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    peerToPeer: integer('peer_to_peer', { mode: 'boolean' }).notNull(),
    /** Names of the cell services members may use (`dns`, `ntp`, `web`, later store services). */
    services: text('services', { mode: 'json' }).$type<string[]>().notNull(),
    /** The routing policy new members get; null: the peer chooses. */
    routingPolicy: text('routing_policy', { enum: ['full', 'cell', 'custom'] }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('peer_groups_name').on(sql`lower(${t.name})`)],
);

export const peerGroupMembers = sqliteTable(
  'peer_group_members',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => peerGroups.id, { onDelete: 'cascade' }),
    peerId: integer('peer_id')
      .notNull()
      .references(() => peers.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.peerId] }), index('peer_group_members_peer').on(t.peerId)],
);

export const RULE_SOURCES = ['any', 'group', 'peer', 'cidr'] as const;
export const RULE_DESTINATIONS = ['service', 'peer', 'cidr', 'internet'] as const;
export const RULE_PROTOCOLS = ['any', 'tcp', 'udp', 'icmp'] as const;

/**
 * The admin's own rules, in order, ahead of what groups and peers allow. Structured, never
 * raw iptables text; a rule naming a peer or group goes with it.
 */
export const firewallRules = sqliteTable(
  'firewall_rules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    position: integer('position').notNull(),
    sourceKind: text('source_kind', { enum: RULE_SOURCES }).notNull(),
    sourceGroupId: integer('source_group_id').references(() => peerGroups.id, { onDelete: 'cascade' }),
    sourcePeerId: integer('source_peer_id').references(() => peers.id, { onDelete: 'cascade' }),
    sourceCidr: text('source_cidr'),
    destinationKind: text('destination_kind', { enum: RULE_DESTINATIONS }).notNull(),
    destinationService: text('destination_service'),
    destinationPeerId: integer('destination_peer_id').references(() => peers.id, { onDelete: 'cascade' }),
    destinationCidr: text('destination_cidr'),
    protocol: text('protocol', { enum: RULE_PROTOCOLS }).notNull(),
    /** `443`, `80,443` or `8000-8100`; null: every port. */
    ports: text('ports'),
    action: text('action', { enum: ['allow', 'deny'] }).notNull(),
    note: text('note').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('firewall_rules_position').on(t.position, t.id)],
);

/**
 * Row 1: the change waiting for the admin's confirmation (what to put back if none comes),
 * and the last repair of rules found changed behind the cell's back.
 */
export const firewallState = sqliteTable('firewall_state', {
  id: integer('id').primaryKey(),
  /** Groups, memberships and rules as they were before the unconfirmed change. */
  pendingPrevious: text('pending_previous', { mode: 'json' }).$type<unknown>(),
  confirmBy: integer('confirm_by', { mode: 'timestamp_ms' }),
  rolledBackAt: integer('rolled_back_at', { mode: 'timestamp_ms' }),
  repairedAt: integer('repaired_at', { mode: 'timestamp_ms' }),
  repairReason: text('repair_reason'),
});
