import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** DHCP for the LAN: off by default. */
export const dhcpSettings = sqliteTable('dhcp_settings', {
  id: integer('id').primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  interface: text('interface').notNull(),
  rangeStart: text('range_start').notNull(),
  rangeEnd: text('range_end').notNull(),
  netmask: text('netmask').notNull(),
  leaseSeconds: integer('lease_seconds').notNull(),
  gateway: text('gateway'),
  /** The cell's own address on the LAN, handed out as the DNS server. */
  dnsServer: text('dns_server').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export const dhcpReservations = sqliteTable('dhcp_reservations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  mac: text('mac').notNull().unique(),
  address: text('address').notNull().unique(),
  name: text('name').notNull().unique(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});
