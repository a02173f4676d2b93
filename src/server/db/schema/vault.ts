import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The cell's certificate authority: the root, and the intermediate that signs day to day. */
export const caAuthorities = sqliteTable('ca_authorities', {
  role: text('role', { enum: ['root', 'intermediate'] }).primaryKey(),
  certPem: text('cert_pem').notNull(),
  /** The private key (PEM), encrypted with the secrets key. */
  keyEnc: text('key_enc').notNull(),
  notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
  /** The CRL this authority signs: its number, DER bytes (base64) and when it must be renewed. */
  crlNumber: integer('crl_number').notNull(),
  crlDer: text('crl_der'),
  crlNextUpdate: integer('crl_next_update', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const certificates = sqliteTable(
  'certificates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['server', 'client', 'signing'] }).notNull(),
    commonName: text('common_name').notNull(),
    sans: text('sans', { mode: 'json' }).$type<string[]>().notNull(),
    /** Hex, unique per authority. */
    serial: text('serial').notNull().unique(),
    certPem: text('cert_pem').notNull(),
    keyEnc: text('key_enc').notNull(),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    revokeReason: text('revoke_reason'),
    /** The certificate this one renewed. */
    renewedFrom: integer('renewed_from'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('certificates_not_after').on(t.notAfter)],
);

/**
 * Short-lived server certificates the cell signs for Caddy, one per host that the cell's CA
 * covers (`.cell` names, and every name in lan mode). Caddy gets these files, never a CA key.
 */
export const proxyCertificates = sqliteTable('proxy_certificates', {
  host: text('host').primaryKey(),
  /** The leaf, then the intermediate: what Caddy sends. */
  certPem: text('cert_pem').notNull(),
  keyEnc: text('key_enc').notNull(),
  notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The certificate a store service serves itself (mail's IMAP and submission), one per
 * instance, for the hosts its manifest names; the cell's CA signs it and renews it.
 */
export const serviceCertificates = sqliteTable('service_certificates', {
  owner: text('owner').primaryKey(),
  /** The full names it is for, in order. */
  hosts: text('hosts', { mode: 'json' }).$type<string[]>().notNull(),
  /** The leaf, then the intermediate. */
  certPem: text('cert_pem').notNull(),
  keyEnc: text('key_enc').notNull(),
  notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});
