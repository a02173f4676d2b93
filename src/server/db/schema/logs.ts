import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A log level the admin set for one of the cell's own services (`cell`, `cell.store`, …). */
export const logLevels = sqliteTable('log_levels', {
  target: text('target').primaryKey(),
  level: text('level', { enum: ['debug', 'info', 'warn', 'error'] }).notNull(),
});
