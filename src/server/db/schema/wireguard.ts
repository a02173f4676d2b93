import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The cell's WireGuard interface: exactly one row (id = 1), created with the server key pair. */
export const wireguardSettings = sqliteTable('wireguard_settings', {
  id: integer('id').primaryKey(),
  listenPort: integer('listen_port').notNull(),
  subnet: text('subnet').notNull(),
  subnet6: text('subnet6'),
  /** Null: derived from the cell's domain and the listen port. */
  endpointHost: text('endpoint_host'),
  endpointPort: integer('endpoint_port'),
  /** Null: the cell's own tunnel address. */
  dns: text('dns', { mode: 'json' }).$type<string[]>(),
  mtu: integer('mtu'),
  persistentKeepalive: integer('persistent_keepalive').notNull(),
  privateKeyEnc: text('private_key_enc').notNull(),
  publicKey: text('public_key').notNull(),
  keysRotatedAt: integer('keys_rotated_at', { mode: 'timestamp_ms' }).notNull(),
  /** Bumped by every change to what the interface should hold; applied when it reaches the interface. */
  revision: integer('revision').notNull(),
  appliedRevision: integer('applied_revision').notNull(),
  applyError: text('apply_error'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
