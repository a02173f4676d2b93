/**
 * Proving an archive restorable: it is decrypted in a scratch folder, every entry is checked
 * against its manifest, and the database snapshot in it must pass SQLite's integrity check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { DB_NAME, type ArchiveHeader, type ArchiveManifest } from './archive';
import { ArchiveError, readArchive, type ArchiveEntry, type Key, type ReadOptions } from './read';
import { archivePath, scratchDir, setBackup, type BackupRow } from './state';

/** Writes an entry's content to a new private file. */
export async function saveEntry(entry: ArchiveEntry, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await pipeline(Readable.from(entry.body), fs.createWriteStream(file, { mode: 0o600 }));
}

export function integrityCheck(file: string): void {
  const sqlite = new Database(file, { readonly: true });
  try {
    const result = sqlite.pragma('integrity_check', { simple: true });
    if (result !== 'ok')
      throw new ArchiveError('damaged', `The database in the archive fails its integrity check: ${String(result)}`);
  } finally {
    sqlite.close();
  }
}

/**
 * Reads the whole archive, keeping only the database snapshot (in `dir`), which must pass
 * `integrity_check`. Further entries go to `opts.onEntry`.
 */
export async function checkArchive(
  file: string,
  key: Key,
  dir: string,
  opts: ReadOptions = {},
): Promise<{ header: ArchiveHeader; manifest: ArchiveManifest; dbFile: string }> {
  const dbFile = path.join(dir, 'cell.db');
  fs.rmSync(dbFile, { force: true });
  const read = await readArchive(file, key, {
    ...opts,
    onEntry: async (entry) => {
      if (entry.path === DB_NAME) await saveEntry(entry, dbFile);
      await opts.onEntry?.(entry);
    },
  });
  if (!fs.existsSync(dbFile)) throw new ArchiveError('mismatch', 'The archive holds no database');
  integrityCheck(dbFile);
  return { ...read, dbFile };
}

/** Verifies a backup of the cell's and records the outcome on it (`verifiedAt`, or why not). */
export async function verifyBackup(db: Db, row: BackupRow, key: Key): Promise<string> {
  const paths = runtimeOf(db).paths;
  const dir = scratchDir(paths, `verify-${row.id}`);
  try {
    const { manifest } = await checkArchive(archivePath(paths, row), key, dir, { expectedSize: row.size || undefined });
    setBackup(db, row.id, { verifiedAt: runtimeOf(db).clock(), verifyError: null });
    return `${manifest.items.length} items checked, database intact`;
  } catch (err) {
    setBackup(db, row.id, { verifyError: (err as Error).message });
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
