import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Append-only, hash-chained record of every change. */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    actorRole: text('actor_role').notNull(),
    procedure: text('procedure').notNull(),
    input: text('input').notNull(),
    /** `started`: a change got past its gates and is about to run; its outcome entry names it in `ref`. */
    outcome: text('outcome', { enum: ['success', 'refused', 'error', 'started'] }).notNull(),
    detail: text('detail'),
    ref: integer('ref'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_entries_at').on(t.at),
    index('audit_entries_actor').on(t.actor),
    index('audit_entries_ref').on(t.ref),
  ],
);
