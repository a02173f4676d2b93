import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Where state changes are sent (one row): a webhook, as generic JSON or as ntfy reads it. */
export const notificationSettings = sqliteTable('notification_settings', {
  id: integer('id').primaryKey(),
  url: text('url'),
  format: text('format', { enum: ['json', 'ntfy'] })
    .notNull()
    .default('json'),
  lastSentAt: integer('last_sent_at', { mode: 'timestamp_ms' }),
  lastError: text('last_error'),
});
