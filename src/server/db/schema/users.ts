import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'peer'] }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  /** Sessions issued before this instant are void (password change, reset). */
  passwordChangedAt: integer('password_changed_at', { mode: 'timestamp_ms' }).notNull(),
  /** A session is valid only while it carries the current epoch: bumped by sign-out, password changes and disabling. */
  sessionEpoch: integer('session_epoch').notNull().default(0),
});

/**
 * Counted attempts (sign-ins, link claims, pic.ngo name checks) per key, kept in SQLite so a
 * restart does not reset the limits. A successful sign-in removes its own row.
 */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('login_failures_key_at').on(t.key, t.at)],
);
