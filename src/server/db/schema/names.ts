import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Who can hold a label in the `cell` zone. */
export const NAME_KINDS = ['cell', 'core', 'peer', 'device', 'route', 'service', 'record'] as const;

/**
 * Every label in the `cell` zone and who holds it: the cell, its core services, peers,
 * DHCP reservations, routes, store services, custom records. DNS renders from this table.
 */
export const cellNames = sqliteTable(
  'cell_names',
  {
    label: text('label').primaryKey(),
    kind: text('kind', { enum: NAME_KINDS }).notNull(),
    /** The owner within its kind: a peer's id, a reservation's id, a route's host, a service's id. */
    ref: text('ref').notNull(),
    /** The owner as people read it in a conflict: `peer alice`. */
    owner: text('owner').notNull(),
    /** Where the name points: `cell`, `host:<n>` (the n-th tunnel address), `ip:<v4>`; null: the owner's own records. */
    target: text('target'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('cell_names_owner').on(t.kind, t.ref)],
);
