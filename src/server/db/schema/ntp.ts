import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const ntpSettings = sqliteTable('ntp_settings', {
  id: integer('id').primaryKey(),
  sources: text('sources', { mode: 'json' })
    .$type<{ kind: 'server' | 'pool'; host: string; iburst: boolean }[]>()
    .notNull(),
  /** Stratum served when no upstream answers; null: no local fallback. */
  localStratum: integer('local_stratum'),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
