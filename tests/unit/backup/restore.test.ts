import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { backups } from '@/server/db/schema';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  recoverRestore,
  restoreBackup,
  restoreUnderWay,
  schemaVersion,
} from '@/server/managers/backup';
import { ArchiveWriter } from '@/server/managers/backup/archive';
import { sideOf, snapshotCell } from '@/server/managers/backup/stage';
import { runtimeOf } from '@/server/runtime/runtime';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { settleChanges } from '@/server/runtime/changes';
import { cellState as cellStateOf } from '../../helpers/cell-state';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { withoutEngine } from '../../helpers/store';

let db: Db;
let dir: string;
const PASS = 'a long passphrase';

beforeEach(async () => {
  ({ db, dir } = freshCell());
  withoutEngine(db);
  await setUp(db);
  const api = admin(db);
  const kids = await api.groups.create({ name: 'kids', services: ['dns'], routingPolicy: 'full' });
  await api.peers.create({ name: 'laptop', routingPolicy: 'cell' });
  await api.peers.create({ name: 'tablet', groups: [kids.id] });
  await api.dns.createRecord({ zone: 'cell', name: 'printer', type: 'A', value: '10.0.0.22', ttl: 300 });
  await api.routes.create({ host: 'nas.cell', upstream: '192.168.1.60:5000', access: 'peers' });
  await settleChanges();
});

const cellState = () => cellStateOf(db, dir);

async function backUp() {
  const { operationId, backupId } = await createBackup(db, {
    passphrase: PASS,
    trigger: 'manual',
    scryptWorkFactor: 10,
  });
  await backupOperationDone(operationId);
  expect(getBackupOperation(db, operationId).state).toBe('succeeded');
  return backupId;
}

async function changeEverything() {
  const api = admin(db);
  const peers = await api.peers.list({});
  await api.peers.remove({ id: peers.items.find((p) => p.name === 'laptop')!.id });
  await api.peers.create({ name: 'intruder', routingPolicy: 'cell' });
  await settleChanges();
  // wg0.conf follows a single peer's change a moment later: as a restart would find it.
  await flushWireguardFiles(db);
  fs.writeFileSync(path.join(dir, 'config', 'stray.conf'), 'not from the backup');
}

async function restore(input: Parameters<ReturnType<typeof admin>['backup']['restore']>[0], failAt?: string) {
  const { operationId } = failAt
    ? await restoreBackup(db, { id: input.id!, key: { passphrase: input.passphrase! }, failAt })
    : await admin(db).backup.restore(input);
  await backupOperationDone(operationId);
  return getBackupOperation(db, operationId);
}

describe('restoring a backup', () => {
  it('puts every table back row by row and every key and rendered file byte for byte, in the fixed order', async () => {
    const id = await backUp();
    const saved = cellState();
    await changeEverything();
    expect(cellState()).not.toEqual(saved);

    const op = await restore({ id, passphrase: PASS });
    expect(op.error).toBeNull();
    expect(op.steps.map((s) => [s.name, s.state])).toEqual(
      ['check', 'snapshot', 'stop', 'secrets', 'database', 'configs', 'volumes', 'services', 'apply'].map((n) => [
        n,
        'done',
      ]),
    );
    await settleChanges();
    const now = cellState();
    expect(now.rows).toEqual(saved.rows);
    expect(now.files).toEqual(saved.files);
    expect(fs.existsSync(path.join(dir, 'config', 'stray.conf'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'backups', '.work'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'backups', '.work'))).toEqual([]);
    // The peers' pages read the restored rows.
    const names = (await admin(db).peers.list({})).items.map((p) => p.name).sort();
    expect(names).toEqual(['laptop', 'tablet']);
  });

  it('a wrong passphrase, a damaged archive and an archive from a newer cell change nothing and say which', async () => {
    const id = await backUp();
    await changeEverything();
    const before = cellState();

    const wrong = await restore({ id, passphrase: 'not the passphrase' });
    expect(wrong.state).toBe('failed');
    expect(wrong.error).toBe('check: The passphrase or key does not open this archive');
    expect(wrong.steps.filter((s) => s.state === 'done')).toEqual([]);
    expect(cellState()).toEqual(before);

    const row = db
      .select()
      .from(backups)
      .all()
      .find((b) => b.id === id)!;
    const file = path.join(dir, 'backups', row.file);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100]! ^= 1;
    fs.writeFileSync(file, bytes);
    const damaged = await restore({ id, passphrase: PASS });
    expect(damaged.error).toMatch(/^check: The archive is damaged or cut short/);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 70_000));
    const cut = await restore({ id, passphrase: PASS });
    expect(cut.error).toMatch(/^check: The archive is cut short: \d+ of \d+ bytes/);
    expect(cellState()).toEqual(before);

    const newer = crypto.randomUUID();
    const w = await ArchiveWriter.open(
      path.join(dir, 'backups', 'newer.age'),
      { passphrase: PASS },
      {
        format: 'personal-internet-cell-backup',
        formatVersion: 1,
        id: newer,
        cellVersion: '9.0.0',
        schemaVersion: schemaVersion(db) + 1,
        createdAt: new Date().toISOString(),
      },
      10,
    );
    await w.finish();
    db.insert(backups)
      .values({
        id: newer,
        file: 'newer.age',
        trigger: 'upload',
        encryption: 'passphrase',
        state: 'ready',
        cellVersion: '',
        schemaVersion: 0,
        createdAt: new Date(),
      })
      .run();
    const fromNewer = await restore({ uploadId: newer, passphrase: PASS });
    expect(fromNewer.error).toMatch(
      /^check: This archive is from a newer cell \(schema \d+, this cell has \d+\): update the cell first/,
    );
    expect(cellState()).toEqual(before);
  });

  it('a step that fails after the cell began to change puts the cell back exactly as it was', async () => {
    const id = await backUp();
    await changeEverything();
    const before = cellState();
    const op = await restore({ id, passphrase: PASS }, 'volumes');
    expect(op.state).toBe('failed');
    expect(op.steps.map((s) => [s.name, s.state])).toEqual([
      ['check', 'done'],
      ['snapshot', 'done'],
      ['stop', 'done'],
      ['secrets', 'undone'],
      ['database', 'undone'],
      ['configs', 'undone'],
      ['volumes', 'failed'],
      ['services', 'skipped'],
      ['apply', 'skipped'],
    ]);
    await settleChanges();
    expect(cellState()).toEqual(before);
  });

  it('a restore cut short by a stop (its journal still there) is undone at the next start', async () => {
    const id = await backUp();
    const restored = cellState();
    await changeEverything();
    const before = cellState();
    // The copy a restore takes of the cell before it changes anything, kept aside here.
    const copy = sideOf(path.join(dir, 'kept-copy'));
    await snapshotCell(db, runtimeOf(db).paths, copy, null);
    const op = await restore({ id, passphrase: PASS });
    expect(op.state).toBe('succeeded');
    expect(cellState()).toEqual(restored);
    // A kill before the restore's end leaves its journal: the next start finds it.
    fs.writeFileSync(
      path.join(dir, 'backups', '.work', 'restore.json'),
      JSON.stringify({ state: 'live', before: copy.root }),
    );
    expect(restoreUnderWay(db)).toBe(true);
    expect(await recoverRestore(db)).toBe('undone');
    expect(cellState()).toEqual(before);
    expect(restoreUnderWay(db)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'backups', '.work'))).toBe(false);
  });

  it('refuses an unknown backup, and neither or both of id and uploadId', async () => {
    await expectCode(admin(db).backup.restore({ id: crypto.randomUUID(), passphrase: PASS }), 'NOT_FOUND');
    await expectCode(admin(db).backup.restore({ passphrase: PASS }), 'BAD_REQUEST');
    const err = await expectCode(
      admin(db).backup.restore({ id: crypto.randomUUID(), uploadId: crypto.randomUUID() }),
      'BAD_REQUEST',
    );
    expect(err.message).toMatch(/one of them/);
    expect(await recoverRestore(db)).toBe('none');
  });
});
