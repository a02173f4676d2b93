/**
 * A ustar archive of a few small files and folders: what the engine's archive API takes to
 * put files into a container's volumes, owned by whom the archive says.
 */
export interface TarEntry {
  /** Relative, `/`-separated, at most 100 bytes. */
  path: string;
  /** A folder when absent. */
  content?: string;
  mode: number;
}

/** Whose the entries are once extracted (the engine keeps the archive's owner). */
export interface TarOwner {
  uid: number;
  gid: number;
}

const BLOCK = 512;

function header(entry: TarEntry, size: number, mtime: number, owner: TarOwner): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = entry.content === undefined ? `${entry.path.replace(/\/$/, '')}/` : entry.path;
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: ${name} is longer than 100 bytes`);
  const octal = (value: number, at: number, width: number) =>
    h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'ascii');
  h.write(name, 0, 100, 'utf8');
  octal(entry.mode, 100, 8);
  octal(owner.uid, 108, 8);
  octal(owner.gid, 116, 8);
  octal(size, 124, 12);
  octal(mtime, 136, 12);
  h.write(entry.content === undefined ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  // The checksum is taken with its own field as spaces.
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

export function tarOf(entries: readonly TarEntry[], owner: TarOwner = { uid: 0, gid: 0 }, mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.content ?? '', 'utf8');
    parts.push(header(e, body.length, mtime, owner), body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
