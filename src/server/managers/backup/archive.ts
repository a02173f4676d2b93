/**
 * A cell's archive: a tar stream, encrypted with age as it is written, never held whole in
 * memory. `cell.json` comes first (what made it, and which schema its database has);
 * `manifest.json` comes last and lists every entry with its size and SHA-256, taken as the
 * entry went by.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { age } from './age';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import tar from 'tar-stream';

export const ARCHIVE_FORMAT = 'personal-internet-cell-backup';
export const FORMAT_VERSION = 1;
export const HEADER_NAME = 'cell.json';
export const MANIFEST_NAME = 'manifest.json';
/** The database's online snapshot, inside the archive. */
export const DB_NAME = 'db/cell.db';

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  id: string;
  cellVersion: string;
  /** How many of the cell's migrations its database has had. */
  schemaVersion: number;
  createdAt: string;
}

export interface ManifestItem {
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  /** Of the content; of the target for a symlink; empty for a folder. */
  sha256: string;
}

export interface ArchiveManifest {
  items: ManifestItem[];
  /** Bytes of content, all items together. */
  bytes: number;
}

/** How an archive is locked: a passphrase, or the public keys (`age1…`) of who may open it. */
export type Lock = { passphrase: string } | { recipients: string[] };

export interface EntryMeta {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export class ArchiveWriter {
  private readonly pack: tar.Pack;
  private readonly items: ManifestItem[] = [];
  private bytes = 0;
  private readonly written: Promise<void>;

  /** Bytes of content added so far (the progress shown). */
  get contentBytes(): number {
    return this.bytes;
  }

  private constructor(written: Promise<void>, pack: tar.Pack) {
    this.pack = pack;
    this.written = written;
  }

  /** Starts writing the archive to `file` (created 0600; an existing file is refused). */
  static async open(
    file: string,
    lock: Lock,
    header: ArchiveHeader,
    scryptWorkFactor?: number,
  ): Promise<ArchiveWriter> {
    const encrypter = new (await age()).Encrypter();
    if ('passphrase' in lock) {
      encrypter.setPassphrase(lock.passphrase);
      if (scryptWorkFactor) encrypter.setScryptWorkFactor(scryptWorkFactor);
    } else for (const r of lock.recipients) encrypter.addRecipient(r);
    const pack = tar.pack();
    const plain = Readable.toWeb(Readable.from(pack)) as ReadableStream<Uint8Array>;
    const sealed = await encrypter.encrypt(plain);
    const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
    const written = pipeline(Readable.fromWeb(sealed as unknown as NodeReadableStream<Uint8Array>), out);
    // A failure before finish() is seen by finish() or abort(); never unhandled.
    written.catch(() => undefined);
    const writer = new ArchiveWriter(written, pack);
    await writer.addBuffer(HEADER_NAME, Buffer.from(JSON.stringify(header, null, 2) + '\n'));
    return writer;
  }

  private note(item: ManifestItem): void {
    this.items.push(item);
    this.bytes += item.size;
  }

  async addBuffer(path: string, content: Buffer, meta: EntryMeta = {}): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.pack.entry({ name: path, size: content.length, mode: 0o600, ...meta }, content, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    if (path !== HEADER_NAME && path !== MANIFEST_NAME)
      this.note({ path, type: 'file', size: content.length, sha256: sha256(content) });
  }

  addDirectory(path: string, meta: EntryMeta = {}): void {
    this.pack.entry({ name: path, type: 'directory', mode: 0o700, ...meta });
    this.note({ path, type: 'directory', size: 0, sha256: '' });
  }

  addSymlink(path: string, target: string, meta: EntryMeta = {}): void {
    this.pack.entry({ name: path, type: 'symlink', linkname: target, ...meta });
    this.note({ path, type: 'symlink', size: 0, sha256: sha256(target) });
  }

  /** Streams `size` bytes from `source` in as one file, hashing them on the way. */
  async addStream(path: string, size: number, source: AsyncIterable<Buffer>, meta: EntryMeta = {}): Promise<void> {
    const hash = createHash('sha256');
    let seen = 0;
    const done = new Promise<void>((resolve, reject) => {
      const entry = this.pack.entry({ name: path, size, mode: 0o600, ...meta }, (err) =>
        err ? reject(err) : resolve(),
      );
      void (async () => {
        try {
          for await (const chunk of source) {
            hash.update(chunk);
            seen += chunk.length;
            if (!entry.write(chunk)) await once(entry, 'drain');
          }
          entry.end();
        } catch (err) {
          entry.destroy(err as Error);
          reject(err);
        }
      })();
    });
    await done;
    if (seen !== size) throw new Error(`${path}: ${seen} bytes read where ${size} were announced`);
    this.note({ path, type: 'file', size, sha256: hash.digest('hex') });
  }

  /** A file of the data directory, read as it is now. */
  async addFile(path: string, file: string, meta: EntryMeta = {}): Promise<void> {
    const handle = await fs.promises.open(file, 'r');
    try {
      const { size } = await handle.stat();
      await this.addStream(path, size, handle.createReadStream({ autoClose: false }), meta);
    } finally {
      await handle.close();
    }
  }

  /** Writes the manifest, ends the archive and waits until it is on disk. */
  async finish(): Promise<ArchiveManifest> {
    const manifest: ArchiveManifest = { items: this.items, bytes: this.bytes };
    await this.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest) + '\n'));
    this.pack.finalize();
    await this.written;
    return manifest;
  }

  /** Stops writing (the caller removes the file). */
  async abort(err: Error): Promise<void> {
    this.pack.destroy(err);
    await this.written.catch(() => undefined);
  }
}
