/** The backups' tables, the cell's own backup key, and the schema version an archive carries. */
import fs from 'node:fs';
import path from 'node:path';
import { desc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db';
import { backupOperations, backups, backupSettings } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { writeFileAtomic } from '../../runtime/fs-atomic';
import type { CellPaths } from '../../runtime/paths';
import type { OperationStep } from '../../runtime/steps';
import { age } from './age';

export type BackupRow = typeof backups.$inferSelect;
export type BackupOperationRow = typeof backupOperations.$inferSelect;
export type BackupSettingsRow = typeof backupSettings.$inferSelect;

export function backupSettingsRow(db: DbOrTx): BackupSettingsRow {
  db.insert(backupSettings).values({ id: 1 }).onConflictDoNothing().run();
  return db.select().from(backupSettings).where(eq(backupSettings.id, 1)).get()!;
}

export const backupRows = (db: DbOrTx) => db.select().from(backups).orderBy(desc(backups.createdAt)).all();

export function backupRow(db: DbOrTx, id: string): BackupRow {
  const row = db.select().from(backups).where(eq(backups.id, id)).get();
  if (!row) throw new NotFoundError(`No backup ${id}`);
  return row;
}

export function setBackup(db: DbOrTx, id: string, set: Partial<typeof backups.$inferInsert>): void {
  db.update(backups).set(set).where(eq(backups.id, id)).run();
}

export function operationRow(db: DbOrTx, id: string): BackupOperationRow {
  const row = db.select().from(backupOperations).where(eq(backupOperations.id, id)).get();
  if (!row) throw new NotFoundError(`No backup operation ${id}`);
  return row;
}

export function saveSteps(db: Db, id: string, steps: OperationStep[]): void {
  db.update(backupOperations).set({ steps }).where(eq(backupOperations.id, id)).run();
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** How many of the cell's migrations its database has had: an archive from a later cell has more. */
export function schemaVersion(db: DbOrTx): number {
  return db.get<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`).n;
}

/** The archive's path in the backups folder (only ever a name the cell made). */
export const archivePath = (paths: CellPaths, row: Pick<BackupRow, 'file'>) =>
  path.join(paths.backups(), path.basename(row.file));

/** Removes a backup's archive and its row. */
export function removeBackupRow(db: DbOrTx, paths: CellPaths, row: Pick<BackupRow, 'id' | 'file'>): void {
  fs.rmSync(archivePath(paths, row), { force: true });
  db.delete(backups).where(eq(backups.id, row.id)).run();
}

/** Where a backup or a restore works: decrypted copies, never kept. */
export function scratchDir(paths: CellPaths, id: string): string {
  const dir = path.join(paths.backups(), '.work', id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The cell's own age key (`secrets/backup.key`): scheduled backups are locked for it as well as
 * for the admin's recipient, so the cell can prove each one opens without holding a passphrase.
 */
export async function cellKey(paths: CellPaths): Promise<{ identity: string; recipient: string }> {
  const file = path.join(paths.secrets(), 'backup.key');
  let identity = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (!identity.startsWith('AGE-SECRET-KEY-1')) {
    identity = await (await age()).generateX25519Identity();
    fs.mkdirSync(paths.secrets(), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${identity}\n`, 0o600);
  }
  return { identity, recipient: await (await age()).identityToRecipient(identity) };
}
