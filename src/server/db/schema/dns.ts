import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** DNS for the `cell` zone and the cell's domain: exactly one row (id = 1). */
export const dnsSettings = sqliteTable('dns_settings', {
  id: integer('id').primaryKey(),
  /** Resolvers for everything outside the cell's zones: `1.1.1.1`, `[2606:4700::1111]:53`. */
  upstreams: text('upstreams', { mode: 'json' }).$type<string[]>().notNull(),
  /** DNS over TLS to the upstreams, checked against this name; null: plain DNS. */
  tlsServerName: text('tls_server_name'),
  cache: integer('cache', { mode: 'boolean' }).notNull(),
  logLevel: text('log_level', { enum: ['info', 'debug'] }).notNull(),
  /** What outsiders get for the cell's domain (the external view); null: the domain is answered upstream. */
  publicAddress: text('public_address'),
  publicAddress6: text('public_address6'),
  /** Zone serial: increases on every change, never goes back. */
  serial: integer('serial').notNull(),
  /** Hash of the rendered zones (without the serial) the serial belongs to. */
  serialHash: text('serial_hash'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Custom records; automatic names (peers, the cell, services) are derived, never stored here. */
export const dnsRecords = sqliteTable(
  'dns_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `cell`, or the cell's domain at the time the record was made (`domain` follows renames). */
    zone: text('zone', { enum: ['cell', 'domain'] }).notNull(),
    name: text('name').notNull(),
    type: text('type', { enum: ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV'] }).notNull(),
    value: text('value').notNull(),
    ttl: integer('ttl').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('dns_records_unique').on(t.zone, t.name, t.type, t.value)],
);
