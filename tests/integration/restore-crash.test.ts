/**
 * kill -9 in the middle of a restore, at each of its steps: after the restart's recovery the
 * cell is either fully restored or exactly as it was before the restore, never in between.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '@/server/db';
import { backupOperationDone, createBackup, getBackupOperation, recoverRestore } from '@/server/managers/backup';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { settleChanges } from '@/server/runtime/changes';
import { cellState } from '../helpers/cell-state';
import { admin, freshCell, setUp } from '../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';
const PASS = 'a passphrase to restore';
const STEPS = ['check', 'snapshot', 'stop', 'secrets', 'database', 'configs', 'volumes', 'services', 'apply'];

/** Runs the restore in a worker; kills it a moment after it starts `target` (or lets it end). */
function restoreAndKill(dir: string, id: string, target: string | null): Promise<{ killedAt: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('tests/helpers/restore-worker.ts'), id, PASS],
      {
        env: { ...process.env, PIC_DATA_DIR: dir, PIC_LOG_STDOUT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    let killedAt: string | null = null;
    child.stderr.on('data', (c) => (err += c));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const started = [...out.matchAll(/^step (\w+)$/gm)].map((m) => m[1]!);
      if (target && killedAt === null && started.includes(target)) {
        killedAt = started.at(-1)!;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 60));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') return resolve({ killedAt });
      if (/^done$/m.test(out)) return resolve({ killedAt: null });
      reject(new Error(`worker ended by itself (${code}): ${out}${err}`));
    });
  });
}

/** The cell in `dir` as a start finds it: a restore cut short is undone first. */
async function startAndRead(dir: string) {
  process.env.PIC_DATA_DIR = dir;
  const db = openDb(path.join(dir, 'cell.db'));
  try {
    const recovered = await recoverRestore(db);
    return { recovered, state: cellState(db, dir) };
  } finally {
    db.$client.close();
  }
}

function copyCell(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-restore-kill-'));
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

describe('kill -9 during a restore', () => {
  it('at each step, the next start finds the cell fully restored or exactly as before', async () => {
    // A cell with a backup, changed after it.
    const { db, dir } = freshCell();
    await setUp(db);
    await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    const made = await createBackup(db, { passphrase: PASS, trigger: 'manual', scryptWorkFactor: 10 });
    await backupOperationDone(made.operationId);
    expect(getBackupOperation(db, made.operationId).state).toBe('succeeded');
    const { items } = await admin(db).peers.list({});
    await admin(db).peers.remove({ id: items[0]!.id });
    await admin(db).peers.create({ name: 'intruder', routingPolicy: 'cell' });
    await settleChanges();
    await flushWireguardFiles(db);
    fs.writeFileSync(path.join(dir, 'config', 'stray.conf'), 'written after the backup');
    db.$client.close();

    const before = (await startAndRead(copyCell(dir))).state;
    const whole = copyCell(dir);
    expect(await restoreAndKill(whole, made.backupId, null)).toEqual({ killedAt: null });
    const restored = (await startAndRead(whole)).state;
    expect(restored.rows.peers).not.toEqual(before.rows.peers);

    const outcomes: string[] = [];
    for (const target of STEPS) {
      const round = copyCell(dir);
      const { killedAt } = await restoreAndKill(round, made.backupId, target);
      const { recovered, state } = await startAndRead(round);
      const as = JSON.stringify(state) === JSON.stringify(restored) ? 'restored' : 'before';
      if (as === 'before') expect(state, `killed at ${killedAt}`).toEqual(before);
      if (recovered === 'undone') expect(as, `killed at ${killedAt}`).toBe('before');
      outcomes.push(`${killedAt ?? 'end'}:${recovered}:${as}`);
      fs.rmSync(round, { recursive: true, force: true });
    }
    // Kills landed while the cell was being changed, and were undone at the next start.
    expect(outcomes.filter((o) => o.endsWith(':undone:before')).length, outcomes.join(' ')).toBeGreaterThanOrEqual(6);
  }, 300_000);
});
