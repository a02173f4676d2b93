import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** `/api/metrics`'s bearer token (one row): only its SHA-256 is kept; the token is shown once. */
export const metricsSettings = sqliteTable('metrics_settings', {
  id: integer('id').primaryKey(),
  tokenHash: text('token_hash'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }),
});
