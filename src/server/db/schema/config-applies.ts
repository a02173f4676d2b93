import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** What each component's config folder holds and what its daemon last loaded. */
export const configApplies = sqliteTable('config_applies', {
  component: text('component', { enum: ['caddy', 'dns', 'ntp', 'wireguard', 'dhcp'] }).primaryKey(),
  /** Hash of the files written. */
  writtenHash: text('written_hash').notNull(),
  /** Hash of the files the daemon has loaded (signal, restart, or its own start). */
  appliedHash: text('applied_hash'),
  appliedVia: text('applied_via'),
  /** Written while the daemon was not running: it reads them when it starts, and has not yet. */
  waiting: integer('waiting', { mode: 'boolean' }).notNull().default(false),
  error: text('error'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
