/**
 * An archive brought to the cell (from another machine, or a download kept off-site): written
 * to the backups folder as it arrives, and listed for a restore once it looks like an age file.
 * What it holds is checked only by the restore, with its key.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../../db';
import { backups } from '../../db/schema';
import { ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { archivePath } from './state';

/** Larger uploads are refused (the cell's own archives of 1,000 peers and 500 MB of data are about that). */
export const UPLOAD_LIMIT = 32 * 1024 ** 3;
const AGE_MAGIC = 'age-encryption.org/v1\n';

export async function receiveUpload(
  db: Db,
  body: AsyncIterable<Uint8Array>,
  id: string = randomUUID(),
): Promise<{ uploadId: string; size: number }> {
  const rt = runtimeOf(db);
  const file = `upload-${id.slice(0, 8)}.age`;
  const target = archivePath(rt.paths, { file });
  fs.mkdirSync(rt.paths.backups(), { recursive: true, mode: 0o700 });
  const out = fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
  let size = 0;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > UPLOAD_LIMIT)
        throw new ValidationError(`An archive is at most ${UPLOAD_LIMIT / 1024 ** 3} GiB`, 'file');
      if (head.length < 512) {
        head = Buffer.concat([head, Buffer.from(chunk)]).subarray(0, 512);
        if (head.length >= AGE_MAGIC.length && !head.subarray(0, AGE_MAGIC.length).equals(Buffer.from(AGE_MAGIC)))
          throw new ValidationError('This is not an age-encrypted archive', 'file');
      }
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    if (size < AGE_MAGIC.length) throw new ValidationError('The upload is empty or cut short', 'file');
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    fs.rmSync(target, { force: true });
    throw err;
  }
  // The header names how it is locked: a scrypt stanza for a passphrase, else recipients.
  const encryption = head.toString('latin1').includes('\n-> scrypt ') ? 'passphrase' : 'recipient';
  db.insert(backups)
    .values({
      id,
      file,
      trigger: 'upload',
      encryption,
      state: 'ready',
      size,
      cellVersion: '',
      schemaVersion: 0,
      createdAt: rt.clock(),
    })
    .run();
  return { uploadId: id, size };
}
