/**
 * Backups: archives of the whole cell, each proven to open and check out after it is made,
 * made by hand or on a schedule with retention.
 */
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import type { BackupSettingsInput } from '@/lib/schemas/backup';
import type { Db } from '../../db';
import { backupSettings } from '../../db/schema';
import { ConflictError, InvalidStateError, ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { age } from './age';
import { createBackup } from './create';
import { backupBusy } from './operation';
import { archivePath, backupRow, backupRows, backupSettingsRow, operationRow, removeBackupRow } from './state';

export { ArchiveError, readArchive, type ArchiveProblem, type Key } from './read';
export { createBackup, MIN_PASSPHRASE, type CreateOptions } from './create';
export { recoverRestore, restoreBackup, restoreUnderWay } from './restore';
export { receiveUpload, UPLOAD_LIMIT } from './upload';
export { backupOperationDone } from './operation';
export { applyRetention, toPrune } from './retention';
export {
  copyBackupOffsite,
  fetchOffsite,
  getOffsite,
  listOffsiteArchives,
  testOffsite,
  updateOffsite,
} from './offsite';
export { schemaVersion } from './state';

export function listBackups(db: Db) {
  return backupRows(db).map(({ file, ...row }) => ({ ...row, name: file }));
}

/**
 * Why the newest backup (not an upload) is not good, or null: it failed, or its check did.
 * A failed backup or verification is never silent: the monitor turns this into a notice.
 */
export function lastBackupProblem(db: Db): string | null {
  const newest = backupRows(db).find((r) => r.trigger !== 'upload' && r.state !== 'writing');
  if (!newest) return null;
  if (newest.state === 'failed') return `the backup of ${newest.createdAt.toISOString()} failed`;
  if (newest.verifyError)
    return `the backup of ${newest.createdAt.toISOString()} failed its check: ${newest.verifyError}`;
  if (newest.offsiteError)
    return `the backup of ${newest.createdAt.toISOString()} was not copied off-site: ${newest.offsiteError}`;
  return null;
}

/** The newest backup that was proven restorable (the dashboard's "last verified"). */
export function lastVerified(db: Db): Date | null {
  return backupRows(db).reduce<Date | null>(
    (latest, r) => (r.verifiedAt && (!latest || r.verifiedAt > latest) ? r.verifiedAt : latest),
    null,
  );
}

export const getBackupOperation = (db: Db, operationId: string) => operationRow(db, operationId);

/** The archive of a backup that is ready, to download. */
export function backupDownload(db: Db, id: string): { file: string; name: string; size: number } {
  const row = backupRow(db, id);
  if (row.state !== 'ready')
    throw new InvalidStateError(`Backup ${id} is ${row.state}: only a finished backup downloads`);
  const file = archivePath(runtimeOf(db).paths, row);
  if (!fs.existsSync(file)) throw new InvalidStateError(`The archive of backup ${id} is no longer on the cell`);
  return { file, name: row.file, size: fs.statSync(file).size };
}

export function deleteBackup(db: Db, id: string): void {
  const row = backupRow(db, id);
  if (row.state === 'writing') throw new ConflictError(`Backup ${id} is still being written`);
  removeBackupRow(db, runtimeOf(db).paths, row);
}

export function getBackupSettings(db: Db) {
  const { id: _id, ...settings } = backupSettingsRow(db);
  return { ...settings, busy: backupBusy() };
}

export async function updateBackupSettings(db: Db, input: BackupSettingsInput) {
  if (input.recipient) {
    const { Encrypter } = await age();
    try {
      new Encrypter().addRecipient(input.recipient);
    } catch (err) {
      throw new ValidationError(`Not an age public key: ${(err as Error).message}`, 'recipient');
    }
  }
  backupSettingsRow(db);
  db.update(backupSettings).set(input).where(eq(backupSettings.id, 1)).run();
  return getBackupSettings(db);
}

/** Today's slot (the settings' hour, local time) when a scheduled backup is due now; null when not. */
export function scheduledSlot(db: Db, now: Date): Date | null {
  const s = backupSettingsRow(db);
  if (!s.scheduled || !s.recipient) return null;
  const slot = new Date(now.getFullYear(), now.getMonth(), now.getDate(), s.hour);
  if (now < slot) return null;
  // One attempt per slot: a failure is reported, not retried every minute.
  const made = backupRows(db).some((r) => r.trigger === 'schedule' && r.createdAt >= slot);
  return made ? null : slot;
}

/** Starts the day's scheduled backup once its hour has come (the loops call this every minute). */
export async function runSchedule(db: Db): Promise<{ operationId: string; backupId: string } | null> {
  if (backupBusy() || !scheduledSlot(db, runtimeOf(db).clock())) return null;
  return createBackup(db, { trigger: 'schedule' });
}
