/**
 * kill -9 of the built server in the middle of a restore it was asked for over HTTP, as each
 * of the restore's steps begins: after the next start the cell is either fully restored or
 * exactly as it was before the restore, never in between.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '@/server/db';
import { backupOperationDone, createBackup, getBackupOperation } from '@/server/managers/backup';
import { applyCaddy } from '@/server/managers/routes';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { settleChanges } from '@/server/runtime/changes';
import { requireBuild, startBuiltCell } from '../helpers/built-cell';
import { CellClient } from '../helpers/cell-client';
import { cellState } from '../helpers/cell-state';
import { admin, freshCell, SETUP, setUp } from '../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';
const ready = requireBuild('kill -9 during a restore');
const PORT = 3187;
const PASS = 'a passphrase to restore';
const STEPS = ['check', 'snapshot', 'stop', 'secrets', 'database', 'configs', 'volumes', 'services', 'apply'];

/**
 * What the server's loops write on their own records at each start: the DDNS check's times, and
 * the monitor's look (its time, and what it measured then, such as the disk's free space).
 */
const STAMPED: Record<string, string[]> = {
  ddns_state: ['last_check_at', 'next_attempt_at', 'updated_at'],
  health_state: ['checked_at', 'detail'],
};

function withoutStamps(state: ReturnType<typeof cellState>) {
  for (const [table, columns] of Object.entries(STAMPED))
    for (const row of state.rows[table] as Record<string, unknown>[]) for (const c of columns) row[c] = 'stamped';
  return state;
}

/** The cell in `dir` as its next start leaves it (read once that server has stopped), stamps aside. */
async function nextStart(dir: string) {
  const cell = await startBuiltCell(dir, PORT);
  const recovered = cell.lines().some((l) => l.msg?.startsWith('a restore was cut short')) ? 'undone' : 'none';
  await cell.stop();
  const db = openDb(path.join(dir, 'cell.db'));
  try {
    return { recovered, state: withoutStamps(cellState(db, dir)) };
  } finally {
    db.$client.close();
  }
}

function copyCell(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-restore-kill-'));
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

describe.skipIf(!ready)('kill -9 of the server during a restore', () => {
  it('at each step, the next start finds the cell fully restored or exactly as before', async () => {
    // A cell with a backup, changed after it.
    const { db, dir } = freshCell();
    await setUp(db);
    // Its CA and certificates made now, as a start does in the background (one racing the test would change the cell).
    await applyCaddy(db);
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

    // Signed in once: every copy holds the same keys, so the session holds on each.
    const client = new CellClient(`http://127.0.0.1:${PORT}`);
    const first = await startBuiltCell(dir, PORT);
    await client.signIn(SETUP.adminUsername, SETUP.adminPassword);
    await first.stop();
    client.forgetConnections();

    /** Starts the server on a copy, asks it to restore, kills it as `target` begins (or lets it end). */
    async function round(target: string | null) {
      const copy = copyCell(dir);
      const cell = await startBuiltCell(copy, PORT);
      let killedAt: string | null = null;
      const killed = new Promise<void>((resolve) => {
        if (!target) return resolve();
        cell.watch((l) => {
          if (l.msg !== 'restore step' || l.step !== target) return false;
          const steps = cell.lines().filter((s) => s.msg === 'restore step');
          killedAt = steps.at(-1)!.step as string;
          void cell.kill().then(resolve);
          return true;
        });
      });
      // The kill may land before the answer: then the request is cut short with the server.
      const asked = client.mutate<{ operationId: string }>('backup.restore', { id: made.backupId, passphrase: PASS });
      asked.catch(() => undefined);
      await killed;
      if (!target) {
        const { operationId } = await asked;
        for (;;) {
          const op = await client.query<{ state: string; error: string | null }>('backup.operation', { operationId });
          if (op.state !== 'running') {
            expect(op).toMatchObject({ state: 'succeeded' });
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        await cell.stop();
      }
      client.forgetConnections();
      const after = await nextStart(copy);
      fs.rmSync(copy, { recursive: true, force: true });
      return { killedAt, ...after };
    }

    const untouched = copyCell(dir);
    const before = (await nextStart(untouched)).state;
    fs.rmSync(untouched, { recursive: true, force: true });
    const whole = await round(null);
    expect(whole).toMatchObject({ killedAt: null, recovered: 'none' });
    const restored = whole.state;
    expect(restored.rows.peers).not.toEqual(before.rows.peers);
    expect(Object.keys(before.files)).toContain('config/stray.conf');
    expect(Object.keys(restored.files)).not.toContain('config/stray.conf');

    const outcomes: string[] = [];
    for (const target of STEPS) {
      const { killedAt, recovered, state } = await round(target);
      const as = JSON.stringify(state) === JSON.stringify(restored) ? 'restored' : 'before';
      if (as === 'before') expect(state, `killed at ${killedAt}`).toEqual(before);
      if (recovered === 'undone') expect(as, `killed at ${killedAt}`).toBe('before');
      outcomes.push(`${killedAt}:${recovered}:${as}`);
    }
    console.log(`kill -9 during a restore (step:recovery:outcome): ${outcomes.join(' ')}`);
    fs.rmSync(dir, { recursive: true, force: true });
    // Kills landed while the cell was being changed, and were undone at the next start.
    expect(outcomes.filter((o) => o.endsWith(':undone:before')).length, outcomes.join(' ')).toBeGreaterThanOrEqual(6);
  }, 300_000);
});
