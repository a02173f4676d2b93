import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The stack's bridge network: exactly one row (id = 1). `PIC_CELL_SUBNET` overrides the subnet. */
export const stackNetwork = sqliteTable('stack_network', {
  id: integer('id').primaryKey(),
  subnet: text('subnet').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * One row per core component: what an admin may choose. Ports, mounts, capabilities and
 * sysctls follow from the component and the other domains' settings (see the catalogue).
 */
export const stackComponents = sqliteTable('stack_components', {
  component: text('component', { enum: ['caddy', 'dns', 'ntp', 'wireguard', 'dhcp'] }).primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  /** Null: the catalogue's default image. `PIC_IMAGE_<COMPONENT>` overrides both. */
  image: text('image'),
  /** Offset of the static address in the network's subnet. */
  hostIndex: integer('host_index').notNull().unique(),
  restartPolicy: text('restart_policy', { enum: ['unless-stopped', 'always', 'on-failure', 'no'] }).notNull(),
  /** How much its daemon logs (the Logs page's verbosity); null: the daemon's own default. */
  logLevel: text('log_level', { enum: ['debug', 'info', 'warn', 'error'] }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});
