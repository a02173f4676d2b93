import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settleChanges } from '@/server/runtime/changes';
import { flushLogs, logger } from '@/server/runtime/logger';
import { admin, freshCell, setUp } from '../../helpers/db';
import { withoutEngine } from '../../helpers/store';

let db: Db;
let dir: string;

/** `npm run cell -- …` against this cell's data directory, with no server answering. */
function cell(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cell.ts', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PIC_DATA_DIR: dir,
      PORT: '1',
      PIC_DOCKER_SOCKET: '/nonexistent/docker.sock',
      PIC_LOG_STDOUT: '0',
    },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  ({ db, dir } = freshCell());
  withoutEngine(db);
  await setUp(db);
  await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
  await settleChanges();
  fs.writeFileSync(path.join(dir, 'pass'), 'a cli passphrase\n', { mode: 0o600 });
});

const names = async () => (await admin(db).peers.list({})).items.map((p) => p.name).sort();

describe('npm run cell', () => {
  it('backup writes a verified archive and prints its path; restore puts it back; list-peers lists', async () => {
    const peers = cell('list-peers');
    expect(peers.code).toBe(0);
    expect(peers.out).toMatch(/^laptop\t10\.\d+\.\d+\.\d+\tenabled\toffline\tnever\n$/);

    const made = cell('backup', '--passphrase-file', path.join(dir, 'pass'));
    expect(made.err).toMatch(/done +verify: \d+ items checked, database intact/);
    expect(made.code).toBe(0);
    const archive = made.out.trim();
    expect(archive).toMatch(new RegExp(`^${dir}/backups/cell-\\d{8}-\\d{6}-[0-9a-f]{8}\\.age$`));
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);

    const { items } = await admin(db).peers.list({});
    await admin(db).peers.remove({ id: items[0]!.id });
    await admin(db).peers.create({ name: 'other', routingPolicy: 'cell' });
    await settleChanges();
    expect(await names()).toEqual(['other']);

    const wrong = path.join(dir, 'wrong');
    fs.writeFileSync(wrong, 'not the passphrase');
    const refused = cell('restore', archive, '--passphrase-file', wrong);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/cell restore: check: The passphrase or key does not open this archive/);
    expect(await names()).toEqual(['other']);

    const restored = cell('restore', archive, '--passphrase-file', path.join(dir, 'pass'));
    expect(restored.err).toMatch(/done +apply/);
    expect(restored.code).toBe(0);
    expect(await names()).toEqual(['laptop']);
    // Four CLI processes, each compiling the CLI first: 9 s alone, past 30 s beside CI's other suites.
  }, 120_000);

  it("logs prints a service's lines, and with --follow each new one as it is written", async () => {
    logger.child('store').info('a line before', { peer: 'alice' });
    await flushLogs();
    const once = cell('logs', 'store');
    expect(once.code).toBe(0);
    expect(once.out).toMatch(/^\S+Z info {2}cell\.store a line before \{"peer":"alice"\}$/m);
    expect(cell('logs').err).toMatch(/logs needs a service/);

    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cell.ts', 'logs', 'store', '--follow'], {
      env: { ...process.env, PIC_DATA_DIR: dir, PORT: '1', PIC_LOG_STDOUT: '0' },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toContain('a line before');
      logger.child('store').warn('a line after');
      await flushLogs();
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/warn {2}cell\.store a line after$/m);
    } finally {
      child.kill();
    }
  }, 40_000);

  it('says what is wrong, with exit codes: a missing passphrase, a missing file, an unknown command', () => {
    const noKey = cell('backup');
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/cell backup: Give a passphrase, or set a recipient key/);
    const noFile = cell('backup', '--passphrase-file', path.join(dir, 'absent'));
    expect(noFile.code).toBe(1);
    expect(noFile.err).toMatch(/--passphrase-file: ENOENT/);
    const noArchive = cell('restore');
    expect(noArchive.code).toBe(1);
    expect(noArchive.err).toMatch(/restore needs the archive/);
    const unknown = cell('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /usage: npm run cell -- <logs\|status\|reset-admin-password\|backup\|restore\|list-peers>/,
    );
  });
});
