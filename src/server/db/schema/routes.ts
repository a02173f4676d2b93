import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Reverse proxy routes: a host (and optional path prefix) to an upstream. */
export const routes = sqliteTable(
  'routes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** A subdomain of the cell's domain, or a `.cell` name. */
    host: text('host').notNull(),
    /** A path prefix like `/app`; '' for the whole host. */
    path: text('path').notNull(),
    /** `container:port`, `address:port` or `[v6]:port`. */
    upstream: text('upstream').notNull(),
    access: text('access', { enum: ['peers', 'public'] }).notNull(),
    headers: text('headers', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** Streamed responses are flushed at once (WebSockets pass through either way). */
    websocket: integer('websocket', { mode: 'boolean' }).notNull(),
    /** The store service that holds the route (made and removed with it); null: the admin's own. */
    service: text('service'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('routes_host_path').on(t.host, t.path)],
);

/** Proxy-wide settings: exactly one row (id = 1). */
export const routeSettings = sqliteTable('route_settings', {
  id: integer('id').primaryKey(),
  logLevel: text('log_level', { enum: ['DEBUG', 'INFO', 'WARN', 'ERROR'] }).notNull(),
  /** Contact for the ACME account (expiry notices). */
  acmeEmail: text('acme_email'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
