import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The names writeFileAtomic gives its temp files: `.<name>.<16 hex>.tmp`. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/** The target, or a folder on its way, is a symbolic link: whoever can write there could redirect the write. */
export class SymlinkRefusedError extends Error {}

function refuseLink(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (st.isSymbolicLink()) throw new SymlinkRefusedError(`refusing to write ${p}: it is a symbolic link`);
}

/**
 * Write a file so that readers see either the old or the new content, never half of one.
 * The temp file has a random name and is opened exclusively without following links, and
 * a target (or its folder) that is a symbolic link is refused: a daemon that can write in
 * the folder cannot point the cell's next write somewhere else.
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  refuseLink(dir);
  refuseLink(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  const fd = fs.openSync(
    tmp,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    mode,
  );
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** A file's content, or null when it is missing; a symbolic link is never followed. */
export function readFileNoFollow(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return null;
    throw err;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes the temp files that writes cut short by a kill left below a folder; returns how many. */
export function removeStaleTempFiles(root: string): number {
  let removed = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (TEMP_FILE.test(e.name)) {
        fs.rmSync(p, { force: true });
        removed++;
      }
    }
  };
  walk(root);
  return removed;
}
