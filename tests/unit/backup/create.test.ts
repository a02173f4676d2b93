import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  listBackups,
  readArchive,
  runSchedule,
  scheduledSlot,
  toPrune,
} from '@/server/managers/backup';
import { settleChanges } from '@/server/runtime/changes';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { withoutEngine } from '../../helpers/store';

let db: Db;
let dir: string;
const FAST = 10;

beforeEach(async () => {
  ({ db, dir } = freshCell());
  withoutEngine(db);
  await setUp(db);
  await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
  await settleChanges();
});

async function backUp(opts: Partial<Parameters<typeof createBackup>[1]> = {}) {
  const started = await createBackup(db, {
    passphrase: 'a long passphrase',
    trigger: 'manual',
    scryptWorkFactor: FAST,
    ...opts,
  });
  await backupOperationDone(started.operationId);
  return {
    ...started,
    op: getBackupOperation(db, started.operationId),
    row: listBackups(db).find((b) => b.id === started.backupId)!,
  };
}

describe('making a backup', () => {
  it('writes every table, key and rendered file into a 0600 archive and proves it restorable', async () => {
    const { op, row } = await backUp();
    expect(op.state).toBe('succeeded');
    expect(op.steps.map((s) => [s.name, s.state])).toEqual([
      ['snapshot', 'done'],
      ['files', 'done'],
      ['services', 'done'],
      ['seal', 'done'],
      ['verify', 'done'],
    ]);
    expect(op.steps[2]!.detail).toBe('no service data');
    expect(row).toMatchObject({ state: 'ready', encryption: 'passphrase', trigger: 'manual', verifyError: null });
    expect(row.verifiedAt).toBeInstanceOf(Date);
    const file = path.join(dir, 'backups', row.name);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(row.size).toBe(fs.statSync(file).size);

    const paths: string[] = [];
    const copy = path.join(dir, 'copy.db');
    const { header, manifest } = await readArchive(
      file,
      { passphrase: 'a long passphrase' },
      {
        onEntry: async (e) => {
          paths.push(e.path);
          if (e.path === 'db/cell.db') {
            const chunks: Buffer[] = [];
            for await (const c of e.body) chunks.push(c);
            fs.writeFileSync(copy, Buffer.concat(chunks));
          }
        },
      },
    );
    expect(header.schemaVersion).toBe(fs.readdirSync('drizzle').filter((f) => f.endsWith('.sql')).length);
    expect(manifest.items).toHaveLength(row.items);
    expect(paths).toEqual(
      expect.arrayContaining(['db/cell.db', 'secrets/', 'secrets/secrets.key', 'secrets/instance.secret', 'config/']),
    );
    expect(paths.some((p) => p.startsWith('config/wireguard/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('logs') || p.startsWith('backups'))).toBe(false);
    // The snapshot is the database as it was: the peer is in it.
    const copied = new Database(copy, { readonly: true });
    expect(copied.prepare('select name from peers').all()).toEqual([{ name: 'laptop' }]);
    copied.close();
    expect(fs.readFileSync(path.join(dir, 'secrets', 'secrets.key'))).toBeTruthy();
    expect(fs.existsSync(path.join(dir, 'backups', '.work', row.id))).toBe(false);
  });

  it('locked for the recipient of the settings: Debian age opens it with that key, and the cell verified it with its own', async () => {
    const keyFile = path.join(dir, 'admin.key');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'pipe' });
    const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
    await expectCode(admin(db).backup.create({}), 'BAD_REQUEST');
    await admin(db).backup.updateSettings({
      recipient,
      scheduled: true,
      hour: 3,
      keepDaily: 7,
      keepWeekly: 4,
      keepMonthly: 6,
    });
    const { op, row } = await backUp({ passphrase: undefined, trigger: 'schedule' });
    expect(op.state).toBe('succeeded');
    expect(row).toMatchObject({ encryption: 'recipient', trigger: 'schedule' });
    expect(row.verifiedAt).toBeInstanceOf(Date);
    const listing = execFileSync('sh', ['-c', `age -d -i ${keyFile} ${path.join(dir, 'backups', row.name)} | tar -t`], {
      encoding: 'utf8',
    });
    expect(listing.split('\n')[0]).toBe('cell.json');
    expect(listing).toContain('secrets/backup.key');
    expect(listing.trim().split('\n').at(-1)).toBe('manifest.json');
  });

  it('refuses a short passphrase and a key that is not an age recipient, naming the field', async () => {
    const short = await expectCode(admin(db).backup.create({ passphrase: 'short' }), 'BAD_REQUEST');
    expect(short.message).toMatch(/At least 10 characters/);
    const bad = await expectCode(
      admin(db).backup.updateSettings({
        recipient: 'age1' + 'q'.repeat(58),
        scheduled: false,
        hour: 3,
        keepDaily: 1,
        keepWeekly: 0,
        keepMonthly: 0,
      }),
      'BAD_REQUEST',
    );
    expect(bad.message).toMatch(/Not an age public key/);
    expect(listBackups(db)).toEqual([]);
  });

  it('a step that fails takes the archive back, marks the backup failed and says so in the trail', async () => {
    const { op, row } = await backUp({ failAt: 'services' });
    expect(op.state).toBe('failed');
    expect(op.error).toBe('services: services failed on purpose (test hook)');
    expect(row.state).toBe('failed');
    expect(fs.readdirSync(path.join(dir, 'backups')).filter((f) => f.endsWith('.age'))).toEqual([]);
    const trail = db
      .select()
      .from(auditEntries)
      .all()
      .filter((e) => e.procedure === 'backup.backup');
    expect(trail.map((e) => e.outcome)).toEqual(['error']);
  });

  it('a failed verification keeps the archive, says why, and is never counted verified', async () => {
    const { op, row } = await backUp({ failAt: 'verify' });
    expect(op.state).toBe('failed');
    expect(row.state).toBe('ready');
    expect(row.verifiedAt).toBeNull();
    expect(fs.existsSync(path.join(dir, 'backups', row.name))).toBe(true);
  });
});

describe('the schedule', () => {
  it('is due once a day from its hour, only with a recipient, and one attempt per day', async () => {
    const keyFile = path.join(dir, 'admin.key');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'pipe' });
    const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
    const settings = { recipient, scheduled: true, hour: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 };
    expect(scheduledSlot(db, new Date(2026, 0, 1, 12))).toBeNull();
    await admin(db).backup.updateSettings(settings);
    expect(scheduledSlot(db, new Date(2026, 0, 1, 2, 59))).toBeNull();
    expect(scheduledSlot(db, new Date(2026, 0, 1, 3, 0))).toEqual(new Date(2026, 0, 1, 3));

    await admin(db).backup.updateSettings({ ...settings, hour: 0 });
    const started = await runSchedule(db);
    expect(started).not.toBeNull();
    await backupOperationDone(started!.operationId);
    expect(listBackups(db)[0]).toMatchObject({ id: started!.backupId, trigger: 'schedule', state: 'ready' });
    expect(await runSchedule(db)).toBeNull();
    expect(listBackups(db)).toHaveLength(1);
    await expectCode(admin(db).backup.updateSettings({ ...settings, recipient: null }), 'BAD_REQUEST');
  });
});

describe('retention', () => {
  const at = (iso: string, trigger: 'schedule' | 'manual' = 'schedule') => ({
    id: `${iso}-${trigger}`,
    createdAt: new Date(iso),
    trigger,
    state: 'ready' as const,
  });

  it('keeps the newest of each of the last days, weeks and months, and never a backup made by hand', () => {
    const rows = [
      at('2026-12-02T03:00:00'),
      at('2026-12-02T01:00:00'),
      at('2026-12-01T03:00:00'),
      at('2026-11-30T03:00:00'),
      at('2026-11-23T03:00:00'),
      at('2026-11-10T03:00:00'),
      at('2026-10-10T03:00:00'),
      at('2026-09-10T03:00:00'),
      at('2026-01-01T03:00:00', 'manual'),
    ];
    const prune = toPrune(rows, { daily: 2, weekly: 2, monthly: 2 });
    // Days: 12-02 03:00, 12-01. Weeks (from Monday): 11-30's week → 12-02 03:00; 11-23's week → 11-23.
    // Months: December → 12-02 03:00; November → 11-30.
    expect(prune.sort()).toEqual(
      [
        '2026-12-02T01:00:00-schedule',
        '2026-11-10T03:00:00-schedule',
        '2026-10-10T03:00:00-schedule',
        '2026-09-10T03:00:00-schedule',
      ].sort(),
    );
  });
});
