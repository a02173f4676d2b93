import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Public keys whose cosign signatures the cell accepts for store images (ECDSA P-256, PEM). */
export const storeKeys = sqliteTable(
  'store_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    pem: text('pem').notNull(),
    /** SHA-256 of the key's SubjectPublicKeyInfo, hex: the same key is never added twice. */
    fingerprint: text('fingerprint').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('store_keys_fingerprint').on(t.fingerprint), uniqueIndex('store_keys_name').on(t.name)],
);
