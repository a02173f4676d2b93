/**
 * What a cell is, put into an archive: the database's online snapshot, the folders of the data
 * directory it keeps (secrets and keys, rendered configs, daemons' state such as Caddy's ACME
 * account and certificates), and every installed service's data volumes, streamed out of the
 * engine. Logs and the backups themselves stay out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { CellPaths } from '../../runtime/paths';
import type { Engine } from '../../runtime/docker';
import type { ServiceVolume } from '../store';
import type { ArchiveWriter } from './archive';
import { entryOf, type ArchiveEntry } from './read';

/** The data directory's folders an archive holds, by their name in it. */
export const DATA_FOLDERS = ['secrets', 'config', 'state'] as const;

export const volumePrefix = (v: Pick<ServiceVolume, 'instanceId' | 'volume'>) => `volumes/${v.instanceId}/${v.volume}/`;

const metaOf = (stat: fs.Stats) => ({ mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime });

/** The bytes the folders hold now (for the progress shown). */
export function folderBytes(paths: CellPaths): number {
  let total = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.isFile()) total += fs.statSync(file).size;
    }
  };
  for (const folder of DATA_FOLDERS) {
    const dir = path.join(/* turbopackIgnore: true */ paths.data(), folder);
    if (fs.existsSync(/* turbopackIgnore: true */ dir)) walk(dir);
  }
  return total;
}

/** Adds a folder of the data directory, files, folders and symlinks (a daemon's socket is not kept). */
export async function addFolder(
  writer: ArchiveWriter,
  paths: CellPaths,
  folder: string,
  onBytes: () => void,
): Promise<void> {
  const root = path.join(paths.data(), folder);
  if (!fs.existsSync(root)) return;
  const walk = async (dir: string, name: string) => {
    writer.addDirectory(`${name}/`, metaOf(fs.statSync(dir)));
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const file = path.join(dir, e.name);
      const inner = `${name}/${e.name}`;
      const stat = fs.lstatSync(file);
      if (stat.isDirectory()) await walk(file, inner);
      else if (stat.isSymbolicLink()) writer.addSymlink(inner, fs.readlinkSync(file), metaOf(stat));
      else if (stat.isFile()) {
        await writer.addFile(inner, file, metaOf(stat));
        onBytes();
      }
    }
  };
  await walk(root, folder);
}

/**
 * A volume's entries, streamed out of its service's container (the engine's archive API), each
 * named inside the volume (its top is skipped), with owner, mode and time as the engine gave
 * them. Anything but files, folders and symlinks (a device, a fifo, a hard link) is not data a
 * service keeps, and is skipped.
 */
export async function* volumeEntries(
  docker: Docker,
  v: Pick<ServiceVolume, 'container' | 'mount'>,
): AsyncGenerator<ArchiveEntry> {
  const stream = (await docker.getContainer(v.container).getArchive({ path: v.mount })) as NodeJS.ReadableStream;
  const extract = tar.extract();
  stream.on('error', (err: Error) => extract.destroy(err));
  stream.pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    // The engine names entries after the mount's last folder: that is the volume's top.
    const rest = h.name.split('/').slice(1).join('/').replace(/\/+$/, '');
    const item = rest ? entryOf(h, rest, entry as AsyncIterable<Buffer>) : null;
    if (item) yield item;
    entry.resume();
  }
}

/** Streams a volume into the archive under `volumes/<instance>/<volume>/`. */
export async function addVolume(writer: ArchiveWriter, docker: Docker, v: ServiceVolume): Promise<void> {
  const prefix = volumePrefix(v);
  writer.addDirectory(prefix);
  for await (const e of volumeEntries(docker, v)) {
    const meta = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
    if (e.type === 'directory') writer.addDirectory(`${prefix}${e.path}/`, meta);
    else if (e.type === 'symlink') writer.addSymlink(`${prefix}${e.path}`, e.linkname ?? '', meta);
    else await writer.addStream(`${prefix}${e.path}`, e.size, e.body, meta);
  }
}

/** Runs what the manifest asks for before a volume is read; resolves with what undoes it. */
export async function prepareVolume(docker: Docker, engine: Engine, v: ServiceVolume): Promise<() => Promise<void>> {
  if (v.backup === 'dump' && v.dump) {
    const out = await engine.exec(v.container, v.dump);
    if (out.exitCode !== 0) throw new Error(`${v.instanceId}: its dump command exited with ${out.exitCode}`);
    return async () => undefined;
  }
  if (v.backup !== 'stop') return async () => undefined;
  const container = docker.getContainer(v.container);
  const running = (await container.inspect()).State.Running;
  if (running) await container.stop({ t: 20 });
  return async () => {
    if (running) await container.start();
  };
}
