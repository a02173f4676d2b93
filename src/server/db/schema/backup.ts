import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { OperationStep } from '../../runtime/steps';

/**
 * An archive of the whole cell (`backups/<file>`, age-encrypted), made here or uploaded for a
 * restore. `verifiedAt` is set only once it was decrypted again and every item checked.
 */
export const backups = sqliteTable('backups', {
  id: text('id').primaryKey(),
  /** The archive's file name in the backups folder. */
  file: text('file').notNull(),
  trigger: text('trigger', { enum: ['manual', 'schedule', 'cli', 'upload'] }).notNull(),
  /** How it opens: with the passphrase it was made with, or with the identity of its recipient. */
  encryption: text('encryption', { enum: ['passphrase', 'recipient'] }).notNull(),
  state: text('state', { enum: ['writing', 'ready', 'failed'] }).notNull(),
  /** The archive's size on disk, in bytes. */
  size: integer('size').notNull().default(0),
  /** What it holds: its items and their bytes before encryption. */
  items: integer('items').notNull().default(0),
  bytes: integer('bytes').notNull().default(0),
  cellVersion: text('cell_version').notNull(),
  schemaVersion: integer('schema_version').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
  /** Why the last verification failed (null once one passed). */
  verifyError: text('verify_error'),
  /** When the archive was copied to the off-site target, and why the last copy failed. */
  offsiteAt: integer('offsite_at', { mode: 'timestamp_ms' }),
  offsiteError: text('offsite_error'),
});

/** A backup or a restore as it runs and as it ended: its steps, each with its state. */
export const backupOperations = sqliteTable('backup_operations', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: ['backup', 'restore', 'fetch'] }).notNull(),
  backupId: text('backup_id').notNull(),
  state: text('state', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
  steps: text('steps', { mode: 'json' }).$type<OperationStep[]>().notNull(),
  error: text('error'),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
});

/**
 * How backups are made on their own (one row): daily at `hour`, locked for `recipient` (and the
 * cell's own key, so it can prove each one opens), and how many of each age are kept.
 */
export const backupSettings = sqliteTable('backup_settings', {
  id: integer('id').primaryKey(),
  /** An age public key (`age1…`): whoever holds its secret key can open the scheduled backups. */
  recipient: text('recipient'),
  scheduled: integer('scheduled', { mode: 'boolean' }).notNull().default(false),
  /** The hour of the day (0–23, the cell's local time) they are made at. */
  hour: integer('hour').notNull().default(3),
  keepDaily: integer('keep_daily').notNull().default(7),
  keepWeekly: integer('keep_weekly').notNull().default(4),
  keepMonthly: integer('keep_monthly').notNull().default(6),
});

/** Where each backup is copied once it is verified (one row); the password is sealed apart. */
export type OffsiteTarget =
  | { kind: 'none' }
  | { kind: 'webdav'; url: string; username: string }
  | { kind: 'sftp'; host: string; port: number; username: string; path: string; hostKey: string };

export const backupOffsite = sqliteTable('backup_offsite', {
  id: integer('id').primaryKey(),
  target: text('target', { mode: 'json' }).$type<OffsiteTarget>().notNull().default({ kind: 'none' }),
  /** The WebDAV or SFTP password, sealed (`backup_offsite.password_enc`); null: none (SFTP uses the cell's key). */
  passwordEnc: text('password_enc'),
});
