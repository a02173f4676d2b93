/**
 * Making a backup: the database's online snapshot, the data folders and the services' volumes
 * go into one age-encrypted archive, which is then decrypted again and checked before the
 * backup counts as restorable.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../../../../package.json';
import type { Db } from '../../db';
import { ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import type { FailAt, Step } from '../../runtime/steps';
import { backups } from '../../db/schema';
import { serviceVolumes } from '../store';
import { ARCHIVE_FORMAT, ArchiveWriter, DB_NAME, FORMAT_VERSION, type Lock } from './archive';
import { addFolder, addVolume, DATA_FOLDERS, folderBytes, prepareVolume } from './contents';
import { offsiteConfigured, offsiteStep } from './offsite';
import { startBackupOperation } from './operation';
import type { Key } from './read';
import { applyRetention } from './retention';
import { archivePath, backupRow, backupSettingsRow, cellKey, mb, schemaVersion, scratchDir, setBackup } from './state';
import { verifyBackup } from './verify';

export const MIN_PASSPHRASE = 10;

export interface CreateOptions {
  /** Locks the archive; without it, the recipient set in the backup settings does. */
  passphrase?: string;
  trigger: 'manual' | 'schedule' | 'cli';
  failAt?: FailAt;
  /** age's scrypt work factor (tests lower it; the cell keeps age's default). */
  scryptWorkFactor?: number;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** The lock and the key that opens it again for the check: the passphrase, or the cell's own key. */
async function lockOf(
  db: Db,
  passphrase: string | undefined,
): Promise<{ lock: Lock; key: Key; encryption: 'passphrase' | 'recipient' }> {
  if (passphrase !== undefined) {
    if (passphrase.length < MIN_PASSPHRASE)
      throw new ValidationError(
        `At least ${MIN_PASSPHRASE} characters: the archive holds every key of the cell`,
        'passphrase',
      );
    return { lock: { passphrase }, key: { passphrase }, encryption: 'passphrase' };
  }
  const { recipient } = backupSettingsRow(db);
  if (!recipient)
    throw new ValidationError('Give a passphrase, or set a recipient key for backups in their settings', 'passphrase');
  const own = await cellKey(runtimeOf(db).paths);
  return { lock: { recipients: [recipient, own.recipient] }, key: { identity: own.identity }, encryption: 'recipient' };
}

export async function createBackup(db: Db, opts: CreateOptions): Promise<{ operationId: string; backupId: string }> {
  const rt = runtimeOf(db);
  const { lock, key, encryption } = await lockOf(db, opts.passphrase);
  const id = randomUUID();
  const now = rt.clock();
  const file = `cell-${stamp(now)}-${id.slice(0, 8)}.age`;
  db.insert(backups)
    .values({
      id,
      file,
      trigger: opts.trigger,
      encryption,
      state: 'writing',
      cellVersion: pkg.version,
      schemaVersion: schemaVersion(db),
      createdAt: now,
    })
    .run();

  const target = archivePath(rt.paths, { file });
  const scratch = () => scratchDir(rt.paths, id);
  const snapshot = () => path.join(scratch(), 'cell.db');
  let writer: ArchiveWriter | undefined;
  let total = 0;
  const progress = (ctx: { report(d: string, p?: number): void }) => () =>
    writer &&
    ctx.report(
      `${mb(writer.contentBytes)} of about ${mb(total)}`,
      Math.min(99, Math.round((100 * writer.contentBytes) / Math.max(1, total))),
    );

  const steps: Step[] = [
    {
      name: 'snapshot',
      run: async () => {
        fs.mkdirSync(rt.paths.backups(), { recursive: true, mode: 0o700 });
        // SQLite's online backup: a consistent copy while the cell goes on writing.
        await db.$client.backup(snapshot());
        return `database ${mb(fs.statSync(snapshot()).size)}`;
      },
      undo: async () => fs.rmSync(scratch(), { recursive: true, force: true }),
    },
    {
      name: 'files',
      run: async (ctx) => {
        total = fs.statSync(snapshot()).size + folderBytes(rt.paths);
        writer = await ArchiveWriter.open(
          target,
          lock,
          {
            format: ARCHIVE_FORMAT,
            formatVersion: FORMAT_VERSION,
            id,
            cellVersion: pkg.version,
            schemaVersion: schemaVersion(db),
            createdAt: now.toISOString(),
          },
          opts.scryptWorkFactor,
        );
        const onBytes = progress(ctx);
        try {
          await writer.addFile(DB_NAME, snapshot());
          onBytes();
          for (const folder of DATA_FOLDERS) await addFolder(writer, rt.paths, folder, onBytes);
        } catch (err) {
          // This step's own undo only runs once it finished: a half-written archive goes here.
          await writer.abort(err as Error);
          fs.rmSync(target, { force: true });
          throw err;
        }
        return `${mb(writer.contentBytes)}: database, ${DATA_FOLDERS.join(', ')}`;
      },
      undo: async () => {
        await writer?.abort(new Error('backup failed'));
        if (backupRow(db, id).state !== 'ready') fs.rmSync(target, { force: true });
      },
    },
    {
      name: 'services',
      run: async (ctx) => {
        const volumes = serviceVolumes(db);
        if (volumes.length === 0) return 'no service data';
        const docker = await rt.engine.client({ streaming: true });
        const before = writer!.contentBytes;
        for (const [i, v] of volumes.entries()) {
          ctx.report(
            `${v.instanceId} ${v.volume} (${i + 1} of ${volumes.length})`,
            Math.round((100 * i) / volumes.length),
          );
          const restart = await prepareVolume(docker, rt.engine, v);
          try {
            await addVolume(writer!, docker, v);
          } finally {
            await restart();
          }
        }
        return `${volumes.length} volumes, ${mb(writer!.contentBytes - before)}`;
      },
    },
    {
      name: 'seal',
      run: async () => {
        const manifest = await writer!.finish();
        setBackup(db, id, {
          state: 'ready',
          size: fs.statSync(target).size,
          items: manifest.items.length,
          bytes: manifest.bytes,
        });
        fs.rmSync(scratch(), { recursive: true, force: true });
        return `${manifest.items.length} items, ${mb(fs.statSync(target).size)} encrypted`;
      },
    },
    // A backup that fails its check stays (marked so): the archive is what is left to look into.
    { name: 'verify', run: () => verifyBackup(db, backupRow(db, id), key) },
  ];
  if (offsiteConfigured(db)) steps.push({ ...offsiteStep(db, id), optional: true });
  const operationId = startBackupOperation(db, {
    kind: 'backup',
    backupId: id,
    steps,
    failAt: opts.failAt,
    onEnd: async (ok) => {
      if (backupRow(db, id).state !== 'ready') setBackup(db, id, { state: 'failed' });
      if (ok && opts.trigger === 'schedule') await applyRetention(db);
    },
  });
  return { operationId, backupId: id };
}
