/**
 * The copy off-site: each verified backup goes on to a WebDAV folder or an SFTP server, so a
 * cell that is lost or stolen does not take its backups with it. Retention removes the copies
 * of the scheduled backups it prunes; a backup deleted by hand keeps its copy.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { OffsiteInput, OffsiteTestInput } from '@/lib/schemas/backup';
import type { Db } from '../../../db';
import { backupOffsite, type OffsiteTarget } from '../../../db/schema';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../../errors';
import { logger } from '../../../runtime/logger';
import { runtimeOf } from '../../../runtime/runtime';
import { decryptSecret, encryptSecret } from '../../../runtime/secrets';
import type { Step, StepContext } from '../../../runtime/steps';
import { cellIdentity, outboundRefusal } from '../../cell';
import { backupBusy, startBackupOperation } from '../operation';
import { archivePath, backupRow, mb, removeBackupRow, setBackup } from '../state';
import { receiveUpload } from '../upload';
import { cellSshKey, HostKeyError, sftpRemote } from './sftp';
import type { Remote, RemoteArchive } from './target';
import { webdavRemote } from './webdav';

export { OffsiteError } from './target';

const log = logger.child('backup');
const SLOT = 'backup_offsite.password_enc';

function offsiteRow(db: Db) {
  db.insert(backupOffsite).values({ id: 1 }).onConflictDoNothing().run();
  return db.select().from(backupOffsite).where(eq(backupOffsite.id, 1)).get()!;
}

const sshKey = (db: Db) => cellSshKey(runtimeOf(db).paths, `cell-backup@${cellIdentity(db).cellName}`);

/** The target as the Backups page shows it: never the password, only whether one is kept. */
export function getOffsite(db: Db) {
  const row = offsiteRow(db);
  return { target: row.target, passwordSet: row.passwordEnc !== null, publicKey: sshKey(db).publicKey };
}

const endpoint = (t: OffsiteTarget | OffsiteTestInput) =>
  t.kind === 'webdav' ? `webdav ${t.url}` : t.kind === 'sftp' ? `sftp ${t.host}:${t.port}` : 'none';

/** The password to use: the new one, none, or (left out) the kept one while the server stays the same. */
function passwordOf(db: Db, input: OffsiteTestInput): string | null {
  if (input.password !== undefined) return input.password;
  const row = offsiteRow(db);
  if (!row.passwordEnc || endpoint(row.target) !== endpoint(input)) return null;
  return decryptSecret(row.passwordEnc, SLOT);
}

function remoteOf(db: Db, target: OffsiteTestInput, password: string | null): Remote {
  const refuse = outboundRefusal(db);
  if (target.kind === 'webdav') {
    if (new URL(target.url).protocol === 'http:' && runtimeOf(db).env.PIC_OUTBOUND_ALLOW_LOOPBACK !== '1')
      throw new ValidationError('An https:// URL: over http the password would cross the network in the clear', 'url');
    return webdavRemote({ url: target.url, username: target.username, password, refuse });
  }
  return sftpRemote({ ...target, password, privateKey: sshKey(db).privateKey, refuse });
}

async function probe(remote: Remote): Promise<void> {
  try {
    await remote.probe();
  } finally {
    remote.close();
  }
}

/**
 * Tries settings before they are saved: writes, reads back and removes a small file. An SFTP
 * server's key comes back with the answer, to be compared and trusted.
 */
export async function testOffsite(
  db: Db,
  input: OffsiteTestInput,
): Promise<{ ok: boolean; label: string; error?: string; hostKey?: string }> {
  const remote = remoteOf(db, input, passwordOf(db, input));
  try {
    await probe(remote);
    return { ok: true, label: remote.label, ...(input.kind === 'sftp' ? { hostKey: input.hostKey } : {}) };
  } catch (err) {
    return {
      ok: false,
      label: remote.label,
      error: (err as Error).message,
      ...(err instanceof HostKeyError ? { hostKey: err.seen } : {}),
    };
  }
}

/** Saves the target once a test of it passed (a target that does not work is never kept). */
export async function updateOffsite(db: Db, input: OffsiteInput) {
  let passwordEnc: string | null = null;
  if (input.kind !== 'none') {
    const password = passwordOf(db, input);
    const remote = remoteOf(db, input, password);
    try {
      await probe(remote);
    } catch (err) {
      throw new ValidationError(`${remote.label}: ${(err as Error).message}`, input.kind === 'webdav' ? 'url' : 'host');
    }
    passwordEnc = password === null ? null : encryptSecret(password, SLOT);
  }
  const { password: _password, ...target } = input as OffsiteInput & { password?: unknown };
  offsiteRow(db);
  db.update(backupOffsite).set({ target, passwordEnc }).where(eq(backupOffsite.id, 1)).run();
  return getOffsite(db);
}

/** Whether verified backups are copied off-site. */
export const offsiteConfigured = (db: Db) => offsiteRow(db).target.kind !== 'none';

function savedRemote(db: Db): Remote | null {
  const row = offsiteRow(db);
  if (row.target.kind === 'none') return null;
  return remoteOf(db, row.target, row.passwordEnc ? decryptSecret(row.passwordEnc, SLOT) : null);
}

/** Sends an archive to the saved target; resolves with where it went, null when there is no target. */
export async function copyOffsite(
  db: Db,
  file: string,
  name: string,
  onBytes?: (sent: number) => void,
): Promise<string | null> {
  const remote = savedRemote(db);
  if (!remote) return null;
  try {
    await remote.put(file, name, onBytes);
    return remote.label;
  } finally {
    remote.close();
  }
}

/** Reports bytes of `total` on a step, once per whole percent (each report is a write). */
function progress(ctx: StepContext, total: number): (bytes: number) => void {
  let last = -1;
  return (bytes) => {
    const percent = Math.min(99, Math.floor((100 * bytes) / Math.max(1, total)));
    if (percent === last) return;
    last = percent;
    ctx.report(`${mb(bytes)} of ${mb(total)}`, percent);
  };
}

/** The chunks of `source` as they pass, with how many bytes have so far. */
async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (bytes: number) => void) {
  let bytes = 0;
  for await (const chunk of source) {
    onBytes((bytes += chunk.length));
    yield chunk;
  }
}

/**
 * Copies a backup that was proven restorable to the saved target: the last step of a backup
 * (where a failure leaves the backup standing), or an operation of its own to send it again.
 */
export function offsiteStep(db: Db, id: string): Step {
  return {
    name: 'off-site',
    run: async (ctx) => {
      const row = backupRow(db, id);
      if (!row.verifiedAt) throw new Error('not copied: the backup did not pass its check');
      try {
        const where = await copyOffsite(db, archivePath(runtimeOf(db).paths, row), row.file, progress(ctx, row.size));
        if (!where) throw new Error('not copied: no off-site target is set');
        setBackup(db, id, { offsiteAt: runtimeOf(db).clock(), offsiteError: null });
        return `copied to ${where}`;
      } catch (err) {
        setBackup(db, id, { offsiteError: (err as Error).message });
        throw err;
      }
    },
  };
}

/** Sends a finished, verified backup off-site again (after a failed copy, or to a new target). */
export function copyBackupOffsite(db: Db, id: string): { operationId: string } {
  const row = backupRow(db, id);
  if (row.state !== 'ready' || !row.verifiedAt)
    throw new InvalidStateError(`Backup ${id} is not proven restorable: only such a backup is copied`, 'id');
  if (!offsiteConfigured(db)) throw new InvalidStateError('Set an off-site target first', 'id');
  if (backupBusy()) throw new ConflictError('A backup or a restore is running: copy once it is done');
  return { operationId: startBackupOperation(db, { kind: 'backup', backupId: id, steps: [offsiteStep(db, id)] }) };
}

/** Runs `act` on the saved target; what the target refuses comes back as a 412 naming it. */
async function onSaved<T>(db: Db, act: (remote: Remote) => Promise<T>): Promise<T> {
  const remote = savedRemote(db);
  if (!remote) throw new InvalidStateError('Set an off-site target first');
  try {
    return await act(remote);
  } catch (err) {
    if (
      err instanceof InvalidStateError ||
      err instanceof NotFoundError ||
      err instanceof ConflictError ||
      err instanceof ValidationError
    )
      throw err;
    throw new InvalidStateError(`${remote.label}: ${(err as Error).message}`);
  } finally {
    remote.close();
  }
}

/** The archives on the saved target, newest first: what a cell that lost its own can restore from (none without one). */
export async function listOffsiteArchives(db: Db): Promise<RemoteArchive[]> {
  return offsiteConfigured(db) ? onSaved(db, (remote) => remote.list()) : [];
}

/**
 * Brings an archive back from the target as an upload, as an operation whose one step shows
 * how much has arrived. It is checked as an upload is (age's header) and against the listing's
 * size, then restores as any upload does (`restore {uploadId}`), after the same checks.
 * A name the target does not list is refused before the operation starts.
 */
export async function fetchOffsite(db: Db, name: string): Promise<{ operationId: string; uploadId: string }> {
  if (backupBusy()) throw new ConflictError('A backup or a restore is running: fetch once it is done');
  const listed = await onSaved(db, async (remote) => {
    const found = (await remote.list()).find((a) => a.name === name);
    if (!found) throw new NotFoundError(`${name} is not on ${remote.label}`, 'name');
    return found;
  });
  const uploadId = randomUUID();
  const download: Step = {
    name: 'download',
    run: (ctx) =>
      onSaved(db, async (remote) => {
        const body = new PassThrough();
        // Whichever side fails first stops the other: a refused upload (not an age file), a lost connection.
        const stop = (err: unknown) => {
          body.destroy(err as Error);
          throw err;
        };
        const [upload] = await Promise.all([
          receiveUpload(db, counted(body, progress(ctx, listed.size)), uploadId).catch(stop),
          remote.download(name, body).catch(stop),
        ]);
        if (upload.size !== listed.size) {
          removeBackupRow(db, runtimeOf(db).paths, backupRow(db, upload.uploadId));
          throw new InvalidStateError(`${name} came back cut short: ${upload.size} of ${listed.size} bytes`);
        }
        log.info('an archive was fetched from the off-site target', { target: remote.label, name, size: upload.size });
        return `${mb(upload.size)} from ${remote.label}`;
      }),
  };
  return { operationId: startBackupOperation(db, { kind: 'fetch', backupId: uploadId, steps: [download] }), uploadId };
}

/** Removes archives' copies from the target; a failure is logged, never thrown (retention goes on). */
export async function removeOffsite(db: Db, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const remote = savedRemote(db);
  if (!remote) return;
  try {
    for (const name of names) await remote.remove(name);
  } catch (err) {
    log.warn('an off-site copy could not be removed', { target: remote.label, error: (err as Error).message });
  } finally {
    remote.close();
  }
}
