import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Dynamic DNS: exactly one row (id = 1). The provider follows the domain mode unless dyndns2 is set up. */
export const ddnsState = sqliteTable('ddns_state', {
  id: integer('id').primaryKey(),
  /** URLs that answer with the caller's public IPv4 address as text; at least two must agree. */
  sources: text('sources', { mode: 'json' }).$type<string[]>().notNull(),
  /** dyndns2 (No-IP and others) for the http01 and lan modes: server URL, username, password (encrypted), hostname. */
  dyndns2Server: text('dyndns2_server'),
  dyndns2Username: text('dyndns2_username'),
  dyndns2PasswordEnc: text('dyndns2_password_enc'),
  dyndns2Hostname: text('dyndns2_hostname'),
  /** The address the provider last accepted. */
  publishedAddress: text('published_address'),
  lastDiscovered: text('last_discovered'),
  lastUpdateAt: integer('last_update_at', { mode: 'timestamp_ms' }),
  lastCheckAt: integer('last_check_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
  failures: integer('failures').notNull(),
  nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
