/**
 * Restoring a backup, in a fixed order: check (the whole archive, staged), snapshot (the
 * cell's own copy) → stop → secrets and keys → database → rendered configs → service volumes
 * → services → apply. Nothing live is touched before the first two are done; after them, a
 * failure puts the cell's copy back, and so does the next start after a kill (a journal file
 * says a restore was under way).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../db';
import { ConflictError, InvalidStateError } from '../../errors';
import { logger } from '../../runtime/logger';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { applyAll } from '../../runtime/changes';
import { writeFileAtomic } from '../../runtime/fs-atomic';
import { forgetKeys } from '../../runtime/secrets';
import type { FailAt, Step } from '../../runtime/steps';
import { ensureServiceImages, removeStoreContainers, reconcileServices, replaceVolume, serviceVolumes } from '../store';
import { applyWireguard, interfaceReset } from '../wireguard';
import { DATA_FOLDERS } from './contents';
import { backupBusy, startBackupOperation } from './operation';
import type { Key } from './read';
import { archivePath, backupRow, cellKey, scratchDir } from './state';
import { replaceRows } from './tables';
import { sideOf, snapshotCell, stageArchive, type Side } from './stage';

const log = logger.child('backup');

/** While a restore runs, the loops leave the daemons and containers alone. */
const restoring = processWide('backup.restoring', () => ({ now: false }));

const JOURNAL = 'restore.json';
const journalFile = (db: Db) => path.join(runtimeOf(db).paths.backups(), '.work', JOURNAL);

/** Whether a restore is changing the cell (here, or in the command line's process). */
export const restoreUnderWay = (db: Db) => restoring.now || fs.existsSync(journalFile(db));

interface Journal {
  /** `live`: the cell is being changed, and `before` must go back if this is found at a start. */
  state: 'live';
  before: string;
}

/** Written whole or not at all: a start must never find half a journal. */
function writeJournal(db: Db, journal: Journal): void {
  writeFileAtomic(journalFile(db), JSON.stringify(journal), 0o600);
}

/**
 * Puts a data folder's copy from `side` in place: the live one is moved aside, the copy put
 * where it was, the old one removed. A kill on the way leaves the journal, and the next start
 * puts the cell's own copy back whatever was half done.
 */
function swapFolder(db: Db, side: Side, folder: string): void {
  const live = path.join(runtimeOf(db).paths.data(), folder);
  const from = side.folder(folder);
  const aside = `${live}.restore-old`;
  fs.rmSync(aside, { recursive: true, force: true });
  if (fs.existsSync(live)) fs.renameSync(live, aside);
  if (fs.existsSync(from)) fs.cpSync(from, live, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  fs.rmSync(aside, { recursive: true, force: true });
}

async function putVolumes(db: Db, side: Side): Promise<number> {
  const staged = new Set(side.volumes());
  const wanted = serviceVolumes(db).filter((v) => staged.has(v.name));
  if (wanted.length === 0) return 0;
  const docker = await runtimeOf(db).engine.client({ streaming: true });
  for (const v of wanted) await replaceVolume(docker, v, fs.createReadStream(side.volume(v.name)));
  return wanted.length;
}

async function bringUp(db: Db): Promise<string> {
  const engine = await runtimeOf(db).engine.status();
  if (engine.reachable) await reconcileServices(db);
  // The database says which revision its interface held: another host's, or another moment's.
  // This interface is loaded whole again.
  interfaceReset(db);
  const tunnel = await applyWireguard(db);
  const outcomes = await applyAll(db);
  const failed = [
    ...(tunnel.state === 'applied' ? [] : [['wireguard']]),
    ...Object.entries(outcomes).filter(([, o]) => !o.ok),
  ];
  return failed.length
    ? `applied; pending: ${failed.map(([n]) => n).join(', ')}`
    : 'WireGuard, DNS, Caddy and the firewall applied';
}

/** Puts the cell's copy back: secrets, database, folders, then volumes (when the engine is there). */
async function putBack(db: Db, before: Side): Promise<void> {
  swapFolder(db, before, 'secrets');
  forgetKeys();
  replaceRows(db.$client, before.db);
  for (const folder of DATA_FOLDERS) if (folder !== 'secrets') swapFolder(db, before, folder);
  if ((await runtimeOf(db).engine.status()).reachable) await putVolumes(db, before);
}

export async function restoreBackup(
  db: Db,
  opts: { id: string; key?: Key; failAt?: FailAt },
): Promise<{ operationId: string }> {
  const row = backupRow(db, opts.id);
  if (row.state !== 'ready')
    throw new InvalidStateError(`Backup ${opts.id} is ${row.state}: only a finished archive restores`);
  if (backupBusy()) throw new ConflictError('A backup or a restore is running: wait for it to end');
  const rt = runtimeOf(db);
  const key = opts.key ?? { identity: (await cellKey(rt.paths)).identity };
  const file = archivePath(rt.paths, row);
  const work = scratchDir(rt.paths, `restore-${Date.now()}`);
  const staged = sideOf(path.join(work, 'new'));
  const before = sideOf(path.join(work, 'before'));
  let live = false;

  const steps: Step[] = [
    {
      name: 'check',
      run: async () => {
        const { manifest, header } = await stageArchive(
          db,
          file,
          key,
          staged,
          row.trigger === 'upload' ? undefined : row.size,
        );
        // Service data goes back into the engine's volumes: without the engine, nothing is begun.
        const volumes = staged.volumes().length;
        if (volumes) {
          const engine = await rt.engine.status();
          if (!engine.reachable)
            throw new Error(
              `the archive holds ${volumes} service volume${volumes === 1 ? '' : 's'}, and no container engine answers at ${engine.socket}: start it, then restore`,
            );
        }
        return `${manifest.items.length} items checked, made ${header.createdAt} by cell ${header.cellVersion}`;
      },
    },
    {
      name: 'snapshot',
      run: async () => {
        const engine = await rt.engine.status();
        const volumes = engine.reachable
          ? { docker: await rt.engine.client({ streaming: true }), list: serviceVolumes(db) }
          : null;
        await snapshotCell(db, rt.paths, before, volumes);
        restoring.now = true;
        writeJournal(db, { state: 'live', before: before.root });
        live = true;
        return volumes ? `database, folders and ${volumes.list.length} volumes copied` : 'database and folders copied';
      },
    },
    {
      name: 'stop',
      run: async () => {
        if (!(await rt.engine.status()).reachable) return 'no engine: nothing running to stop';
        return `${await removeStoreContainers(await rt.engine.client())} service containers removed`;
      },
    },
    {
      name: 'secrets',
      run: async () => {
        swapFolder(db, staged, 'secrets');
        forgetKeys();
        return 'keys and secrets in place';
      },
      undo: async () => {
        swapFolder(db, before, 'secrets');
        forgetKeys();
      },
    },
    {
      name: 'database',
      run: async () => {
        const { tables, rows } = replaceRows(db.$client, staged.db);
        return `${rows} rows in ${tables} tables`;
      },
      undo: async () => void replaceRows(db.$client, before.db),
    },
    {
      name: 'configs',
      run: async () => {
        for (const folder of DATA_FOLDERS) if (folder !== 'secrets') swapFolder(db, staged, folder);
        return 'rendered configs and daemon state in place';
      },
      undo: async () => {
        for (const folder of DATA_FOLDERS) if (folder !== 'secrets') swapFolder(db, before, folder);
      },
    },
    {
      name: 'volumes',
      run: async () => {
        if (staged.volumes().length === 0) return 'no service data';
        // The services' images, verified and pulled where this engine lacks them (a new machine).
        const pulled = await ensureServiceImages(db);
        const put = await putVolumes(db, staged);
        return `${put} volumes put back${pulled ? `, ${pulled} images verified and pulled` : ''}`;
      },
      undo: async () => void (await putVolumes(db, before)),
    },
    {
      name: 'services',
      run: async () => {
        if (!(await rt.engine.status()).reachable) return 'no engine: services start when it is back';
        const { actions } = await reconcileServices(db);
        const failed = actions.filter((a) => a.action === 'failed');
        if (failed.length) throw new Error(failed.map((a) => `${a.instance}: ${a.reason}`).join('; '));
        return `${actions.length} service containers made`;
      },
    },
    { name: 'apply', run: () => bringUp(db) },
  ];
  const operationId = startBackupOperation(db, {
    kind: 'restore',
    backupId: row.id,
    steps,
    failAt: opts.failAt,
    onEnd: async (ok) => {
      try {
        // Undone: the cell's copy is back in place; its containers and daemons follow it again.
        if (!ok && live)
          await bringUp(db).catch((err) => log.error('could not apply after undoing a restore', { err }));
      } finally {
        restoring.now = false;
        fs.rmSync(journalFile(db), { force: true });
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
  });
  return { operationId };
}

/**
 * At start: a restore that a kill cut short after it began changing the cell is undone (the
 * cell's copy goes back); one that had not begun leaves only its scratch folder, removed.
 */
export async function recoverRestore(db: Db): Promise<'none' | 'undone'> {
  const work = path.join(runtimeOf(db).paths.backups(), '.work');
  const file = journalFile(db);
  let outcome: 'none' | 'undone' = 'none';
  if (fs.existsSync(file)) {
    const journal = JSON.parse(fs.readFileSync(file, 'utf8')) as Journal;
    await putBack(db, sideOf(journal.before));
    log.warn('a restore was cut short: the cell is as it was before it', { before: journal.before });
    outcome = 'undone';
  }
  fs.rmSync(work, { recursive: true, force: true });
  return outcome;
}
