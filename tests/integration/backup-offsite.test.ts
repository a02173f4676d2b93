/**
 * The copy off-site against real servers on loopback: Apache's mod_dav (WebDAV, basic auth) and
 * OpenSSH's SFTP (the cell's own key, the server's key trusted by its fingerprint).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  lastBackupProblem,
  listBackups,
} from '@/server/managers/backup';
import { mb } from '@/server/managers/backup/state';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../helpers/db';
import { requireTools } from '../helpers/netns';
import { startSftp, startWebdav, type Served } from '../helpers/offsite-servers';
import { recordingBackend } from '../helpers/wireguard';

const ready = requireTools(
  'the off-site backup suite',
  ['apache2', 'htpasswd', '/usr/sbin/sshd', 'ssh-keygen'],
  'apt-get install apache2 openssh-server',
);

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const USER = 'cellbackup';
const PASSWORD = 'a dav password';

describe.skipIf(!ready)('copying backups off-site', () => {
  let db: Db;
  let dir: string;
  let dav: Served;
  let sftp: Awaited<ReturnType<typeof startSftp>>;

  beforeAll(async () => {
    [dav, sftp] = await Promise.all([startWebdav(USER, PASSWORD), startSftp()]);
  });
  afterAll(() => {
    dav?.stop();
    sftp?.stop();
  });

  /** A cell set up, allowed to call the servers on loopback. */
  async function newCell() {
    const cell = freshCell();
    bindRuntime(
      cell.db,
      createRuntime(
        { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock', PIC_OUTBOUND_ALLOW_LOOPBACK: '1' },
        { wireguard: recordingBackend({ rules: true }).backend },
      ),
    );
    await setUp(cell.db);
    return cell;
  }
  beforeEach(async () => {
    ({ db, dir } = await newCell());
  });

  async function backUp(trigger: 'manual' | 'schedule' = 'manual') {
    const started = await createBackup(db, { passphrase: 'a long passphrase', trigger, scryptWorkFactor: 10 });
    await backupOperationDone(started.operationId);
    return {
      op: getBackupOperation(db, started.operationId),
      row: listBackups(db).find((b) => b.id === started.backupId)!,
    };
  }
  const local = (name: string) => path.join(dir, 'backups', name);
  const davTarget = (url = `http://127.0.0.1:${dav.port}/cells/home/`) => ({
    kind: 'webdav' as const,
    url,
    username: USER,
  });

  it('copies each verified backup to a WebDAV folder, byte for byte, and keeps the password to itself', async () => {
    const cell = admin(db);
    // A wrong password is refused before anything is kept.
    const wrong = await cell.backup.testOffsite({ ...davTarget(), password: 'not it at all' });
    expect(wrong).toMatchObject({ ok: false, error: expect.stringContaining('refused the user name or password') });
    const refused = await expectCode(
      cell.backup.updateOffsite({ ...davTarget(), password: 'not it at all' }),
      'BAD_REQUEST',
    );
    expect(refused.message).toMatch(/refused the user name or password/);
    expect((await cell.backup.offsite()).target).toEqual({ kind: 'none' });

    // The folder above must be there; the target folder itself is made.
    fs.mkdirSync(path.join(dav.root, 'cells'));
    fs.chownSync(path.join(dav.root, 'cells'), ...uidOf(dav.root));
    expect(await cell.backup.testOffsite({ ...davTarget(), password: PASSWORD })).toMatchObject({ ok: true });
    const saved = await cell.backup.updateOffsite({ ...davTarget(), password: PASSWORD });
    expect(saved).toMatchObject({ target: davTarget(), passwordSet: true });
    expect(JSON.stringify(saved)).not.toContain(PASSWORD);
    expect(JSON.stringify(db.select().from(auditEntries).all())).not.toContain(PASSWORD);
    expect(fs.readdirSync(path.join(dav.root, 'cells', 'home'))).toEqual([]);

    const { op, row } = await backUp();
    expect(op.state).toBe('succeeded');
    expect(op.steps.map((s) => [s.name, s.state])).toEqual([
      ['snapshot', 'done'],
      ['files', 'done'],
      ['services', 'done'],
      ['seal', 'done'],
      ['verify', 'done'],
      ['off-site', 'done'],
    ]);
    expect(op.steps[5]!.detail).toBe(`copied to http://127.0.0.1:${dav.port}/cells/home/`);
    const remote = path.join(dav.root, 'cells', 'home', row.name);
    expect(fs.readdirSync(path.dirname(remote))).toEqual([row.name]);
    expect(sha(remote)).toBe(sha(local(row.name)));
    expect(row.offsiteAt).toBeInstanceOf(Date);
    expect(row.offsiteError).toBeNull();

    // Saving again without the password keeps the stored one for the same server.
    expect(await cell.backup.updateOffsite(davTarget())).toMatchObject({ passwordSet: true });
  });

  it('keeps the backup when the copy fails, says why, and counts it as a problem', async () => {
    const cell = admin(db);
    await cell.backup.updateOffsite({ ...davTarget(`http://127.0.0.1:${dav.port}/flaky/`), password: PASSWORD });
    // The server now refuses the folder: the copy fails, the backup stands.
    fs.rmSync(path.join(dav.root, 'flaky'), { recursive: true });
    fs.writeFileSync(path.join(dav.root, 'flaky'), 'a file where the folder was');
    const { op, row } = await backUp();
    expect(op.state).toBe('succeeded');
    expect(op.steps.at(-1)).toMatchObject({ name: 'off-site', state: 'failed' });
    expect(op.steps.slice(0, -1).every((s) => s.state === 'done')).toBe(true);
    expect(row.verifiedAt).toBeInstanceOf(Date);
    expect(fs.existsSync(local(row.name))).toBe(true);
    expect(row.offsiteAt).toBeNull();
    expect(row.offsiteError).toBe(op.steps.at(-1)!.detail);
    expect(lastBackupProblem(db)).toContain('was not copied off-site');

    // The folder is put right; the backup is sent again from its menu, and the problem is gone.
    fs.rmSync(path.join(dav.root, 'flaky'));
    const again = await cell.backup.copyOffsite({ id: row.id });
    await backupOperationDone(again.operationId);
    const copied = getBackupOperation(db, again.operationId);
    expect(copied.steps).toMatchObject([{ name: 'off-site', state: 'done' }]);
    expect(sha(path.join(dav.root, 'flaky', row.name))).toBe(sha(local(row.name)));
    expect(listBackups(db)[0]).toMatchObject({ offsiteError: null, offsiteAt: expect.any(Date) });
    expect(lastBackupProblem(db)).toBeNull();
  });

  it('copies over SFTP with the cell key once the server key is trusted, and retention removes pruned copies', async () => {
    const cell = admin(db);
    const { publicKey } = await cell.backup.offsite();
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA[\w+/]+=* cell-backup@/);
    const target = {
      kind: 'sftp' as const,
      host: '127.0.0.1',
      port: sftp.port,
      username: 'root',
      path: `${sftp.root}/backups/home`,
    };

    // Without a trusted key the test stops at the server's key and shows it.
    const first = await cell.backup.testOffsite(target);
    expect(first).toMatchObject({ ok: false, hostKey: sftp.hostKeyFingerprint });
    const other = 'SHA256:' + 'A'.repeat(43);
    const changed = await cell.backup.testOffsite({ ...target, hostKey: other });
    expect(changed.error).toContain(`showed the key ${sftp.hostKeyFingerprint}, not the trusted ${other}`);
    // Trusted, but the cell's key is not in authorized_keys yet.
    const denied = await cell.backup.testOffsite({ ...target, hostKey: sftp.hostKeyFingerprint });
    expect(denied).toMatchObject({ ok: false, error: expect.stringContaining("add the cell's key") });

    fs.writeFileSync(sftp.authorizedKeys, `${publicKey}\n`);
    await cell.backup.updateOffsite({ ...target, hostKey: sftp.hostKeyFingerprint });
    await cell.backup.updateSettings({
      recipient: null,
      scheduled: false,
      hour: 3,
      keepDaily: 1,
      keepWeekly: 0,
      keepMonthly: 0,
    });
    const older = await backUp('schedule');
    expect(older.op.steps.at(-1)).toMatchObject({ name: 'off-site', state: 'done' });
    const folder = path.join(sftp.root, 'backups', 'home');
    expect(sha(path.join(folder, older.row.name))).toBe(sha(local(older.row.name)));

    // The second of the day replaces the first: here and off-site.
    const newer = await backUp('schedule');
    expect(listBackups(db).map((b) => b.id)).toEqual([newer.row.id]);
    expect(fs.readdirSync(folder)).toEqual([newer.row.name]);
    expect(sha(path.join(folder, newer.row.name))).toBe(sha(local(newer.row.name)));
  });

  it('a cell that lost its own lists the archives off-site, fetches one and restores it (WebDAV and SFTP)', async () => {
    const cell = admin(db);
    const folder = path.join(dav.root, 'lost');
    await cell.backup.updateOffsite({ ...davTarget(`http://127.0.0.1:${dav.port}/lost/`), password: PASSWORD });
    await cell.peers.create({ name: 'kept', routingPolicy: 'cell' });
    const { row } = await backUp();
    // What is not an archive stays out of the list: another file, a half-sent copy.
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an archive');
    fs.writeFileSync(path.join(folder, 'cell-half.age.part'), 'cut short');

    // A new cell, on a new disk, with the same target.
    const fresh = await newCell();
    const api = admin(fresh.db);
    await api.backup.updateOffsite({ ...davTarget(`http://127.0.0.1:${dav.port}/lost/`), password: PASSWORD });
    expect(await api.backup.offsiteArchives()).toEqual([
      { name: row.name, size: row.size, modifiedAt: expect.any(Date) },
    ]);
    const fetched = await api.backup.fetchOffsite({ name: row.name });
    await backupOperationDone(fetched.operationId);
    // One step, which showed how much had arrived while it ran.
    expect(getBackupOperation(fresh.db, fetched.operationId)).toMatchObject({
      kind: 'fetch',
      state: 'succeeded',
      backupId: fetched.uploadId,
      steps: [{ name: 'download', state: 'done', detail: `${mb(row.size)} from http://127.0.0.1:${dav.port}/lost/` }],
    });
    const upload = listBackups(fresh.db).find((b) => b.id === fetched.uploadId)!;
    expect(upload.size).toBe(row.size);
    expect(upload).toMatchObject({ trigger: 'upload', encryption: 'passphrase' });
    expect(sha(path.join(fresh.dir, 'backups', upload.name))).toBe(sha(path.join(folder, row.name)));
    const restored = await api.backup.restore({ uploadId: fetched.uploadId, passphrase: 'a long passphrase' });
    await backupOperationDone(restored.operationId);
    expect(getBackupOperation(fresh.db, restored.operationId).error).toBeNull();
    expect((await admin(fresh.db).peers.list({})).items.map((p) => p.name)).toContain('kept');

    // Names are checked before anything is asked of the server.
    const bad = await expectCode(api.backup.fetchOffsite({ name: '../cell.age' }), 'BAD_REQUEST');
    expect(bad.message).toMatch(/^name: An archive name ending in .age/);
    const gone = await expectCode(api.backup.fetchOffsite({ name: 'cell-nothing.age' }), 'NOT_FOUND');
    expect(gone.message).toBe(`cell-nothing.age is not on http://127.0.0.1:${dav.port}/lost/`);
    // A file that only has an archive's name fails as the upload it becomes would, and leaves nothing.
    fs.writeFileSync(path.join(folder, 'cell-forged.age'), 'x'.repeat(300_000));
    const uploads = () => fs.readdirSync(path.join(fresh.dir, 'backups')).filter((f) => f.startsWith('upload-'));
    const [before, files] = [listBackups(fresh.db).length, uploads()];
    const forged = await api.backup.fetchOffsite({ name: 'cell-forged.age' });
    await backupOperationDone(forged.operationId);
    expect(getBackupOperation(fresh.db, forged.operationId)).toMatchObject({
      state: 'failed',
      error: 'download: This is not an age-encrypted archive',
    });
    expect(listBackups(fresh.db)).toHaveLength(before);
    expect(uploads()).toEqual(files);
    fs.rmSync(path.join(folder, 'cell-forged.age'));

    // Over SFTP the same (the new cell's key in authorized_keys).
    const sftpFolder = path.join(sftp.root, 'lost');
    fs.mkdirSync(sftpFolder, { recursive: true });
    fs.copyFileSync(path.join(folder, row.name), path.join(sftpFolder, row.name));
    fs.writeFileSync(sftp.authorizedKeys, `${(await api.backup.offsite()).publicKey}\n`);
    await api.backup.updateOffsite({
      kind: 'sftp',
      host: '127.0.0.1',
      port: sftp.port,
      username: 'root',
      path: sftpFolder,
      hostKey: sftp.hostKeyFingerprint,
    });
    expect((await api.backup.offsiteArchives()).map((a) => [a.name, a.size])).toEqual([[row.name, row.size]]);
    const overSftp = await api.backup.fetchOffsite({ name: row.name });
    await backupOperationDone(overSftp.operationId);
    const second = listBackups(fresh.db).find((b) => b.id === overSftp.uploadId)!;
    expect(sha(path.join(fresh.dir, 'backups', second.name))).toBe(sha(path.join(folder, row.name)));
  });

  it('refuses targets it must not call and fields that are wrong, naming them', async () => {
    const cell = admin(db);
    bindRuntime(
      db,
      createRuntime(
        { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' },
        { wireguard: recordingBackend({ rules: true }).backend },
      ),
    );
    const http = await expectCode(
      cell.backup.updateOffsite({ ...davTarget('http://dav.example.org/b/'), password: PASSWORD }),
      'BAD_REQUEST',
    );
    expect(http.message).toMatch(/https:\/\//);
    const loop = await cell.backup.testOffsite({
      ...davTarget(`https://127.0.0.1:${dav.port}/x/`),
      password: PASSWORD,
    });
    expect(loop).toMatchObject({ ok: false, error: expect.stringContaining('loopback') });
    const sshLoop = await cell.backup.testOffsite({
      kind: 'sftp',
      host: 'localhost',
      port: sftp.port,
      username: 'root',
      path: 'b',
    });
    expect(sshLoop).toMatchObject({ ok: false, error: expect.stringContaining('does not call it') });
    const nas = {
      kind: 'sftp',
      host: 'nas.example.org',
      port: 22,
      username: 'me',
      hostKey: 'SHA256:' + 'b'.repeat(43),
    };
    for (const [input, field] of [
      [{ ...nas, path: '../etc' }, 'path'],
      [{ ...nas, path: 'b\nc' }, 'path'],
      [{ ...nas, path: 'b', hostKey: 'MD5:aa' }, 'hostKey'],
      [{ kind: 'webdav', url: 'https://u:p@dav.example.org/', username: 'me' }, 'url'],
      [{ kind: 'webdav', url: 'https://dav.example.org/', username: 'me@x' }, 'username'],
    ] as const) {
      const err = await expectCode(cell.backup.updateOffsite(input as never), 'BAD_REQUEST');
      expect(err.message).toMatch(new RegExp(`^${field}: \\w`));
    }
    expect((await cell.backup.offsite()).target).toEqual({ kind: 'none' });
    const made = await backUp();
    const none = await expectCode(cell.backup.copyOffsite({ id: made.row.id }), 'PRECONDITION_FAILED');
    expect(none.message).toBe('Set an off-site target first');
  });
});

function uidOf(file: string): [number, number] {
  const s = fs.statSync(file);
  return [s.uid, s.gid];
}
