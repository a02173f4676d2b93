/**
 * The two sides of a restore, each complete on disk before anything live is touched:
 * `new/`, the archive decrypted and checked, and `before/`, the cell's own copy of itself,
 * which any failure (or a restart in the middle) puts back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { Db } from '../../db';
import type { CellPaths } from '../../runtime/paths';
import type { ServiceVolume } from '../store';
import { DATA_FOLDERS, volumeEntries } from './contents';
import { ArchiveError, type ArchiveEntry, type Key } from './read';
import { schemaVersion } from './state';
import { migrateFile } from './tables';
import { checkArchive, saveEntry } from './verify';

export interface Side {
  root: string;
  db: string;
  folder(name: string): string;
  /** A volume's content as a tar, named as the engine's volume is. */
  volume(name: string): string;
  volumes(): string[];
}

export function sideOf(root: string): Side {
  return {
    root,
    db: path.join(root, 'cell.db'),
    folder: (name) => path.join(root, 'data', name),
    volume: (name) => path.join(root, 'volumes', `${name}.tar`),
    volumes: () =>
      fs.existsSync(path.join(root, 'volumes'))
        ? fs
            .readdirSync(path.join(root, 'volumes'))
            .filter((f) => f.endsWith('.tar'))
            .map((f) => f.slice(0, -4))
        : [],
  };
}

/** A tar of one volume being written as its entries go by. */
class VolumeTar {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;
  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.done = pipeline(this.pack, fs.createWriteStream(file, { mode: 0o600 }));
  }
  async add(entry: ArchiveEntry, name: string): Promise<void> {
    const header = { name, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
    if (entry.type === 'directory') this.pack.entry({ ...header, type: 'directory' });
    else if (entry.type === 'symlink') this.pack.entry({ ...header, type: 'symlink', linkname: entry.linkname });
    else
      await new Promise<void>((resolve, reject) => {
        const sink = this.pack.entry({ ...header, size: entry.size }, (err) => (err ? reject(err) : resolve()));
        pipeline(Readable.from(entry.body), sink).catch(reject);
      });
  }
  async close(): Promise<void> {
    this.pack.finalize();
    await this.done;
  }
}

/** `volumes/<instance>/<volume>/<rest>` → the engine's volume name and the path inside it. */
function volumeEntry(p: string): { name: string; rest: string } | null {
  const m = /^volumes\/([^/]+)\/([^/]+)\/(.*)$/.exec(p);
  return m ? { name: `cell-svc-${m[1]}-${m[2]}`, rest: m[3]! } : null;
}

/**
 * Decrypts the archive into `side`, checking it whole (manifest, hashes, the database's
 * integrity), and brings its database to this cell's schema. An archive from a newer cell is
 * refused before anything is written.
 */
export async function stageArchive(db: Db, file: string, key: Key, side: Side, expectedSize?: number) {
  const current = schemaVersion(db);
  const volumes = new Map<string, VolumeTar>();
  const write = async (entry: ArchiveEntry) => {
    const vol = volumeEntry(entry.path);
    if (vol) {
      let t = volumes.get(vol.name);
      if (!t) volumes.set(vol.name, (t = new VolumeTar(side.volume(vol.name))));
      if (vol.rest) await t.add(entry, vol.rest);
      return;
    }
    const top = entry.path.split('/')[0]!;
    if (!(DATA_FOLDERS as readonly string[]).includes(top)) return;
    const target = path.join(side.root, 'data', path.normalize(entry.path));
    if (!target.startsWith(path.join(side.root, 'data') + path.sep))
      throw new ArchiveError('mismatch', `${entry.path} points outside the cell's folders`);
    if (entry.type === 'directory') fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (entry.type === 'symlink') {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      fs.symlinkSync(entry.linkname ?? '', target);
      return;
    } else await saveEntry(entry, target);
    fs.chmodSync(target, entry.mode & 0o7777);
  };
  fs.mkdirSync(side.root, { recursive: true, mode: 0o700 });
  const read = await checkArchive(file, key, side.root, {
    expectedSize,
    onHeader: (h) => {
      if (h.schemaVersion > current)
        throw new ArchiveError(
          'newer',
          `This archive is from a newer cell (schema ${h.schemaVersion}, this cell has ${current}): update the cell first`,
        );
    },
    onEntry: write,
  });
  for (const t of volumes.values()) await t.close();
  migrateFile(read.dbFile);
  return read;
}

/** The cell's own copy of itself: database, folders, and its services' volumes as they are now. */
export async function snapshotCell(
  db: Db,
  paths: CellPaths,
  side: Side,
  volumes: { docker: Docker; list: ServiceVolume[] } | null,
): Promise<void> {
  fs.mkdirSync(path.join(side.root, 'data'), { recursive: true, mode: 0o700 });
  await db.$client.backup(side.db);
  for (const folder of DATA_FOLDERS) {
    const live = path.join(paths.data(), folder);
    if (fs.existsSync(live))
      fs.cpSync(live, side.folder(folder), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
  if (!volumes) return;
  for (const v of volumes.list) {
    const out = new VolumeTar(side.volume(v.name));
    for await (const e of volumeEntries(volumes.docker, v)) await out.add(e, e.path);
    await out.close();
  }
}
