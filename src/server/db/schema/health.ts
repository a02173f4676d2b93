import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const HEALTH_STATES = ['up', 'warn', 'down'] as const;

/** Each component's state as the monitor last found it, and since when it has been so. */
export const healthState = sqliteTable('health_state', {
  component: text('component').primaryKey(),
  state: text('state', { enum: HEALTH_STATES }).notNull(),
  detail: text('detail').notNull(),
  since: integer('since', { mode: 'timestamp_ms' }).notNull(),
  checkedAt: integer('checked_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Every change of a component's state: the timeline is drawn from these. */
export const healthEvents = sqliteTable(
  'health_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    component: text('component').notNull(),
    state: text('state', { enum: HEALTH_STATES }).notNull(),
    detail: text('detail').notNull(),
  },
  (t) => [index('health_events_at').on(t.at)],
);
