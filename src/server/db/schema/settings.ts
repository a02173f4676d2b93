import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The cell's identity: exactly one row (id = 1), written by the setup wizard. */
export const settings = sqliteTable('settings', {
  id: integer('id').primaryKey(),
  cellName: text('cell_name').notNull(),
  domainMode: text('domain_mode', { enum: ['pic_ngo', 'cloudflare', 'duckdns', 'http01', 'lan'] }).notNull(),
  domain: text('domain').notNull(),
  /** Provider token, encrypted with the secrets key (never returned). */
  ddnsTokenEnc: text('ddns_token_enc'),
  timezone: text('timezone').notNull(),
  services: text('services', { mode: 'json' }).$type<string[]>().notNull(),
  setupCompletedAt: integer('setup_completed_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
