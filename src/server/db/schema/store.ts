import { integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { OperationStep } from '../../runtime/steps';
import { peers } from './peers';

export type { OperationStep };

/** Public keys whose cosign signatures the cell accepts for store images (ECDSA P-256, PEM). */
export const storeKeys = sqliteTable(
  'store_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    pem: text('pem').notNull(),
    /** SHA-256 of the key's SubjectPublicKeyInfo, hex: the same key is never added twice. */
    fingerprint: text('fingerprint').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('store_keys_fingerprint').on(t.fingerprint), uniqueIndex('store_keys_name').on(t.name)],
);

/** The state an installed service is in; `installing` holds its id and address while its operation runs. */
export const INSTANCE_STATES = ['installing', 'installed', 'updating', 'removing'] as const;

/**
 * One installed store service (`<manifest id>`, or `<manifest id>-<n>` for further instances
 * of an instanceable one). The manifest it was installed from is kept whole, so it is
 * reconciled the same way whatever the catalogue says later.
 */
export const storeInstances = sqliteTable(
  'store_instances',
  {
    id: text('id').primaryKey(),
    manifestId: text('manifest_id').notNull(),
    version: text('version').notNull(),
    /** The image it runs, pinned by digest, as it was verified. */
    image: text('image').notNull(),
    manifest: text('manifest', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The answers to the manifest's questions (secrets and passwords sealed, each under its name). */
    answers: text('answers', { mode: 'json' }).$type<Record<string, string | number>>().notNull(),
    sealed: text('sealed', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** Its address on `cell-network`: the host index in the cell network's subnet. */
    hostIndex: integer('host_index').notNull(),
    state: text('state', { enum: INSTANCE_STATES }).notNull(),
    /** Record values read from the service (its manifest's `dns[].from`), by `<name> <type>`. */
    readRecords: text('read_records', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    /** How much it logs, when set on the Logs page (its manifest's `logLevel`); null: the service's own default. */
    logLevel: text('log_level', { enum: ['debug', 'info', 'warn', 'error'] }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('store_instances_host_index').on(t.hostIndex)],
);

/** An install, update or removal as it runs and as it ended: its steps, each with its state. */
export const storeOperations = sqliteTable('store_operations', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: ['install', 'update', 'remove'] }).notNull(),
  instanceId: text('instance_id').notNull(),
  state: text('state', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
  steps: text('steps', { mode: 'json' }).$type<OperationStep[]>().notNull(),
  error: text('error'),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
});

/**
 * A peer's account on an installed service: made when the peer has a portal login and the
 * firewall lets it use the service, removed when either ends. Only what the service needs is
 * kept (a bcrypt hash for a rendered htpasswd); the password itself is shown once.
 */
export const serviceAccounts = sqliteTable(
  'service_accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => storeInstances.id, { onDelete: 'cascade' }),
    /** Null once the peer is gone: the account waits for the service's remove command. */
    peerId: integer('peer_id').references(() => peers.id, { onDelete: 'set null' }),
    username: text('username').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** When a password was last shown (reset by the peer or the admin); null: never shown yet. */
    passwordShownAt: integer('password_shown_at', { mode: 'timestamp_ms' }),
    /**
     * For a service whose accounts its own commands make: null until made, `made`, or
     * `locked` (given an unknown password while the peer is disabled, until a reset).
     */
    applied: text('applied', { enum: ['made', 'locked'] }),
    /** No longer wanted; kept until the service's remove command has run. */
    removing: integer('removing', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('service_accounts_instance_peer').on(t.instanceId, t.peerId)],
);

/**
 * The accounts of a service removed with its data kept: an install of the same id that finds the
 * data again takes them back, so every device keeps its password (and the service's own account
 * list matches the cell's). Removed with the data, or taken back, they are gone from here.
 */
export const keptServiceAccounts = sqliteTable(
  'kept_service_accounts',
  {
    instanceId: text('instance_id').notNull(),
    /** Null once the peer is gone: taken back, then let go by the next accounts pass. */
    peerId: integer('peer_id').references(() => peers.id, { onDelete: 'set null' }),
    username: text('username').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    passwordShownAt: integer('password_shown_at', { mode: 'timestamp_ms' }),
    applied: text('applied', { enum: ['made', 'locked'] }),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.username] })],
);

/**
 * An address of a service that delivers to accounts (`family@` to each member of a group):
 * its recipients are the accounts of the peers and groups named, as they are now. `applied`
 * holds the recipients the service's own commands have been given.
 */
export const serviceAliases = sqliteTable(
  'service_aliases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    instanceId: text('instance_id')
      .notNull()
      .references(() => storeInstances.id, { onDelete: 'cascade' }),
    /** The part before the @. */
    name: text('name').notNull(),
    peerIds: text('peer_ids', { mode: 'json' }).$type<number[]>().notNull().default([]),
    groupIds: text('group_ids', { mode: 'json' }).$type<number[]>().notNull().default([]),
    applied: text('applied', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** No longer wanted; kept until the service was told to forget each recipient. */
    removing: integer('removing', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('service_aliases_instance_name').on(t.instanceId, t.name)],
);

/**
 * The aliases of a service removed with its data kept, as its own files still hold them: taken
 * back with the accounts, so the cell's list and the service's agree again.
 */
export const keptServiceAliases = sqliteTable(
  'kept_service_aliases',
  {
    instanceId: text('instance_id').notNull(),
    name: text('name').notNull(),
    peerIds: text('peer_ids', { mode: 'json' }).$type<number[]>().notNull(),
    groupIds: text('group_ids', { mode: 'json' }).$type<number[]>().notNull(),
    applied: text('applied', { mode: 'json' }).$type<string[]>().notNull(),
    removing: integer('removing', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.name] })],
);
