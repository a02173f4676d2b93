/**
 * Reads an archive back: decrypts it as a stream, hands each entry to the caller, and checks
 * every entry against the manifest at its end. An archive that does not open, or whose
 * content is not what its manifest says, is refused with which of those it was.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import tar from 'tar-stream';
import { InvalidStateError } from '../../errors';
import {
  ARCHIVE_FORMAT,
  HEADER_NAME,
  MANIFEST_NAME,
  type ArchiveHeader,
  type ArchiveManifest,
  type ManifestItem,
} from './archive';
import { age } from './age';

export type ArchiveProblem = 'passphrase' | 'damaged' | 'truncated' | 'newer' | 'not-an-archive' | 'mismatch';

export class ArchiveError extends InvalidStateError {
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
  ) {
    super(message);
  }
}

/** What opens an archive: its passphrase, or the secret key (`AGE-SECRET-KEY-1…`) of a recipient. */
export type Key = { passphrase: string } | { identity: string };

export interface ArchiveEntry {
  path: string;
  type: ManifestItem['type'];
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
  linkname?: string;
  /** The content; read it to its end, or not at all. */
  body: AsyncIterable<Buffer>;
}

export interface ReadOptions {
  /** Checked before anything else is read: throw to refuse the archive (a newer schema). */
  onHeader?(header: ArchiveHeader): void;
  onEntry?(entry: ArchiveEntry): Promise<void>;
  /** The archive's size when it was written, if known: a shorter file is said to be cut short. */
  expectedSize?: number;
}

function problemOf(err: Error, file: string, expectedSize?: number): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const message = err.message;
  if (/no identity matched/.test(message))
    return new ArchiveError('passphrase', 'The passphrase or key does not open this archive');
  if (/version line|header|stanza|base64|parse/i.test(message))
    return new ArchiveError('not-an-archive', `This is not an age-encrypted cell archive (${message})`);
  const size = fs.statSync(file).size;
  if (expectedSize !== undefined && size < expectedSize)
    return new ArchiveError('truncated', `The archive is cut short: ${size} of ${expectedSize} bytes`);
  if (/invalid tag|tag|chunk|stream ended|unexpected end|premature/i.test(message))
    return new ArchiveError('damaged', `The archive is damaged or cut short: it does not decrypt (${message})`);
  return new ArchiveError('damaged', `The archive could not be read: ${message}`);
}

function sameItem(a: ManifestItem, b: ManifestItem): boolean {
  return a.path === b.path && a.type === b.type && a.size === b.size && a.sha256 === b.sha256;
}

const TYPES: Record<string, ManifestItem['type'] | undefined> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
};

/** A tar header as an entry (null for what a cell archive never holds: devices, fifos, hard links). */
export function entryOf(h: tar.Headers, path: string, body: AsyncIterable<Buffer>): ArchiveEntry | null {
  const type = TYPES[h.type ?? 'file'];
  if (!type) return null;
  return {
    path,
    type,
    size: h.size ?? 0,
    mode: h.mode ?? 0o600,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    mtime: h.mtime,
    linkname: h.linkname ?? undefined,
    body,
  };
}

/** Reads the whole archive; resolves with its header and manifest once every entry checked out. */
export async function readArchive(
  file: string,
  key: Key,
  opts: ReadOptions = {},
): Promise<{ header: ArchiveHeader; manifest: ArchiveManifest }> {
  const decrypter = new (await age()).Decrypter();
  if ('passphrase' in key) decrypter.addPassphrase(key.passphrase);
  else decrypter.addIdentity(key.identity);
  let header: ArchiveHeader | undefined;
  let manifest: ArchiveManifest | undefined;
  // The caller's own failures (a full disk while staging) are theirs, not the archive's.
  const own = new WeakSet<object>();
  // …but a read of the archive that fails while the caller consumes an entry is the archive's.
  const archives = new WeakSet<object>();
  const mine = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err && typeof err === 'object' && !archives.has(err)) own.add(err);
      throw err;
    }
  };
  const seen: ManifestItem[] = [];
  try {
    const source = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
    const plain = await decrypter.decrypt(source);
    const extract = tar.extract();
    const fed = pipeline(Readable.fromWeb(plain as unknown as NodeReadableStream<Uint8Array>), extract);
    fed.catch(() => undefined);
    for await (const entry of extract) {
      const h = entry.header;
      const hash = createHash('sha256');
      let size = 0;
      const chunks: Buffer[] = [];
      const small = h.name === HEADER_NAME || h.name === MANIFEST_NAME;
      async function* body() {
        const source = (entry as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = await source.next();
          } catch (err) {
            if (err && typeof err === 'object') archives.add(err);
            throw err;
          }
          if (next.done) return;
          hash.update(next.value);
          size += next.value.length;
          if (small) chunks.push(next.value);
          yield next.value;
        }
      }
      const content = body();
      if (!header) {
        if (h.name !== HEADER_NAME)
          throw new ArchiveError('not-an-archive', `This is not a cell archive: it starts with ${h.name}`);
        for await (const _ of content);
        header = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ArchiveHeader;
        if (header.format !== ARCHIVE_FORMAT) throw new ArchiveError('not-an-archive', 'This is not a cell archive');
        await mine(() => opts.onHeader?.(header!));
        continue;
      }
      if (h.name === MANIFEST_NAME) {
        for await (const _ of content);
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ArchiveManifest;
        continue;
      }
      const item = entryOf(h, h.name, content);
      if (!item) throw new ArchiveError('mismatch', `${h.name}: a ${h.type} has no place in a cell archive`);
      if (manifest) throw new ArchiveError('mismatch', `${h.name} comes after the manifest`);
      const { type } = item;
      const onEntry = opts.onEntry;
      if (onEntry) await mine(() => onEntry(item));
      for await (const _ of content);
      seen.push({
        path: h.name,
        type,
        size,
        sha256:
          type === 'directory'
            ? ''
            : type === 'symlink'
              ? createHash('sha256')
                  .update(h.linkname ?? '')
                  .digest('hex')
              : hash.digest('hex'),
      });
    }
    await fed;
  } catch (err) {
    if (own.has(err as object)) throw err;
    throw problemOf(err as Error, file, opts.expectedSize);
  }
  if (!header) throw new ArchiveError('truncated', 'The archive is empty');
  if (!manifest) throw new ArchiveError('truncated', 'The archive is cut short: it has no manifest at its end');
  if (manifest.items.length !== seen.length)
    throw new ArchiveError(
      'mismatch',
      `The manifest lists ${manifest.items.length} items; the archive holds ${seen.length}`,
    );
  manifest.items.forEach((item, i) => {
    if (!sameItem(item, seen[i]!))
      throw new ArchiveError('mismatch', `${seen[i]!.path} is not what the manifest says (size or SHA-256 differ)`);
  });
  return { header, manifest };
}
