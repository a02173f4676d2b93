/**
 * Peers at scale, through the same code path as the API (tRPC caller, audit trail,
 * apply included), against a real wireguard-go interface in a namespace of its own:
 *   sudo ./node_modules/.bin/tsx bench/peers.ts [--http] [--backend local|container] [1000 5000]
 * Prints create time with its apply, list page time, render time, full resync and
 * single-peer apply on the real interface, a 1,000-row CSV import, database size and memory.
 * With --http the same runs over HTTP against a built server (`npm run build`) with a
 * signed-in session, and the server's memory is read after the run and 60 s later.
 * With --backend container the changes go into `cell-wireguard` on a real engine (a
 * dockerd of its own, a stand-in image running wireguard-go), the production path.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import { backendFromEnv, localBackend, type WgBackend } from '../src/server/managers/wireguard/backend';
import { FrameSplitter } from '../src/server/runtime/docker';
import { dataPaths } from '../src/server/runtime/paths';
import { startEngine } from '../tests/helpers/engine';
import { importWireguardStandin } from '../tests/helpers/wireguard-image';
import { configFiles, flushWireguardFiles } from '../src/server/managers/wireguard/apply';
import { renderServerConfig } from '../src/server/managers/wireguard/render';
import { loadServerModel } from '../src/server/managers/wireguard/state';
import { createCaller } from '../src/server/routers/_app';
import { bindRuntime, createRuntime } from '../src/server/runtime/runtime';

import { ms, pct, setUpOverHttp, startHttpCell } from './http-cell';

const args = process.argv.slice(2);
const overHttp = args.includes('--http');
const backendKind = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'local';
const sizes = args.map(Number).filter(Boolean);
const importCsv = (n: number) =>
  ['name,routingPolicy', ...Array.from({ length: n }, (_, i) => `imported-${i},cell`)].join('\n');
async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

interface BenchInterface {
  /** Null: the runtime's environment decides (the container backend). */
  backend: WgBackend | null;
  env: Record<string, string>;
  /** After setup: bring the interface up where it lives. */
  ready(admin: ReturnType<typeof createCaller>): Promise<void>;
  syncPath: { file: string; containerPath: string };
  peers(): Promise<number>;
  cleanup: () => Promise<void> | void;
}

function realInterface(tag: string): BenchInterface | null {
  const ns = `pic-bench-${tag}`;
  const iface = `wgb${tag}`;
  try {
    if (process.getuid?.() !== 0) throw new Error('not root');
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'wireguard-go', iface], {
      env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
    });
    const cleanup = () => {
      for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean))
        process.kill(Number(pid));
      execFileSync('ip', ['netns', 'del', ns]);
    };
    return {
      backend: localBackend(iface, { netns: ns }),
      env: {},
      ready: async () => undefined,
      syncPath: { file: configFiles(dataPaths).sync, containerPath: '' },
      peers: async () =>
        execFileSync('ip', ['netns', 'exec', ns, 'wg', 'show', iface, 'peers'], { encoding: 'utf8' }).trim().split('\n')
          .length,
      cleanup,
    };
  } catch (err) {
    console.log(
      `(no real interface: ${(err as Error).message}; applies go to a backend that is down, apply figures are skipped)`,
    );
    return null;
  }
}

/** `cell-wireguard` on a dockerd of our own, running the wireguard-go stand-in. */
async function containerInterface(): Promise<BenchInterface> {
  const engine = await startEngine();
  const image = await importWireguardStandin(engine.docker);
  const wg = async (...argv: string[]) => {
    const exec = await engine.docker.getContainer('cell-wireguard').exec({ Cmd: argv, AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => stream.on('end', r));
    return new FrameSplitter()
      .push(Buffer.concat(chunks))
      .map((l) => l.text)
      .filter(Boolean);
  };
  return {
    backend: null,
    env: {
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_IMAGE_WIREGUARD: image,
      PIC_WG_USERSPACE: '1',
      PIC_CELL_SUBNET: '172.29.77.0/24',
      PIC_PUBLISH_ADDRESS: '127.0.0.1',
    },
    ready: async (admin) => {
      const report = await admin.containers.reconcile();
      const wgRow = report.components.find((c) => c.component === 'wireguard');
      if (!wgRow || !['created', 'recreated', 'started', 'unchanged'].includes(wgRow.action))
        throw new Error(`cell-wireguard did not start: ${JSON.stringify(wgRow)}`);
      for (let i = 0; i < 50 && !(await wg('wg', 'show', 'wg0')).length; i++)
        await new Promise((r) => setTimeout(r, 100));
    },
    syncPath: { file: configFiles(dataPaths).sync, containerPath: '/config/wg0.sync.conf' },
    peers: async () => (await wg('wg', 'show', 'wg0', 'peers')).length,
    cleanup: () => engine.destroy(),
  };
}

async function run(n: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-'));
  process.env.PIC_DATA_DIR = dir;
  process.env.PIC_LOG_STDOUT = '0';
  const db = openDb(path.join(dir, 'cell.db'), { backgroundCheckpoints: true });
  const iface = backendKind === 'container' ? await containerInterface() : realInterface(String(n));
  // The engine client and the data paths still read the process environment.
  Object.assign(process.env, iface?.env);
  const runtime = createRuntime(
    { ...process.env, ...iface?.env },
    { wireguard: iface ? iface.backend : localBackend('pic-none-0') },
  );
  bindRuntime(db, runtime);
  const anon = createCaller({ db, session: null, clientAddress: '127.0.0.1' });
  await anon.setup.complete({
    cellName: 'bench',
    domainMode: 'lan',
    timezone: 'UTC',
    adminUsername: 'admin',
    adminPassword: 'bench password 123',
    services: ['wireguard'],
  });
  const admin = createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' });
  await admin.wireguard.update({ subnet: '10.0.0.0/16', confirmReaddress: true });
  await iface?.ready(admin);
  // The backend the cell applies to, for the resync figure.
  const backend = iface?.backend ?? (iface ? backendFromEnv(runtime.env, runtime.engine) : null);

  const creates: number[] = [];
  for (let i = 0; i < n; i++) {
    const [t, peer] = await time(() =>
      admin.peers.create({ name: `peer-${i}`, routingPolicy: i % 3 ? 'cell' : 'full' }),
    );
    if (backend && peer.apply.state !== 'applied')
      throw new Error(`create ${i} not applied: ${JSON.stringify(peer.apply)}`);
    creates.push(t);
  }
  const lists: number[] = [];
  const sorts = ['name', 'address', 'createdAt', 'expiresAt'] as const;
  for (let i = 0; i < 200; i++) {
    const [t] = await time(() =>
      admin.peers.list({
        // A search starts on its first page, as the Peers page does.
        page: i % 5 === 0 ? 1 : 1 + (i % Math.ceil(n / 50)),
        pageSize: 50,
        sort: sorts[i % 4],
        search: i % 5 === 0 ? `peer-${i}` : undefined,
      }),
    );
    lists.push(t);
  }
  const snapshot = loadServerModel(db, new Date())!;
  const renders: number[] = [];
  for (let i = 0; i < 20; i++) renders.push((await time(() => renderServerConfig(snapshot.model)))[0]);
  const syncs: number[] = [];
  const singles: number[] = [];
  if (iface && backend) {
    // The files follow single-peer changes a moment later: bring them up to date before resyncing from them.
    await flushWireguardFiles(db, { force: true });
    for (let i = 0; i < 5; i++) syncs.push((await time(() => backend.sync(iface.syncPath)))[0]);
    for (let i = 0; i < 50; i++)
      singles.push((await time(() => admin.peers.setEnabled({ id: 1 + (i % 10), enabled: i % 20 >= 10 })))[0]);
    console.log(`  interface holds ${await iface.peers()} peers`);
  }
  const [importMs, imported] = await time(() => admin.peers.importMany({ csv: importCsv(1000) }));
  if (imported.created.length !== 1000) throw new Error('the import did not create 1,000 peers');
  const dbBytes = ['cell.db', 'cell.db-wal'].reduce(
    (s, f) => s + (fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0),
    0,
  );
  const last = creates.slice(-100);
  console.log(`peers: ${n} (${backendKind === 'container' ? 'in cell-wireguard on an engine' : 'local interface'})`);
  console.log(
    `  create one peer incl. apply: p50 ${ms(pct(creates, 50))}, p95 ${ms(pct(creates, 95))}; last 100: p50 ${ms(pct(last, 50))}, p95 ${ms(pct(last, 95))}  (target at 1,000 and 5,000: p95 < 8 ms)`,
  );
  console.log(
    `  peers.list page of 50:       p50 ${ms(pct(lists, 50))}, p95 ${ms(pct(lists, 95))}  (target: p95 < 2 ms)`,
  );
  console.log(`  render server config:        p50 ${ms(pct(renders, 50))}`);
  if (backend) {
    console.log(
      `  full resync (wg syncconf):   p50 ${ms(pct(syncs, 50))}  (target: < 50 ms at 1,000, < 250 ms at 5,000)`,
    );
    console.log(
      `  single-peer apply (setEnabled, wg set): p50 ${ms(pct(singles, 50))}, p95 ${ms(pct(singles, 95))}  (target: p95 < 5 ms)`,
    );
  }
  console.log(`  peers.importMany of 1,000 rows incl. its apply: ${ms(importMs)}  (target: < 1,500 ms)`);
  console.log(
    `  database: ${(dbBytes / 1024 / 1024).toFixed(1)} MiB; RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`,
  );
  db.$client.close();
  await iface?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The same figures over HTTP: a built server in its own namespace, one signed-in client. */
async function runHttp(n: number) {
  const cell = await startHttpCell(String(n));
  try {
    const admin = await setUpOverHttp(cell.base);
    const rssStart = cell.rssMb();
    const creates: number[] = [];
    for (let i = 0; i < n; i++) {
      const [t, peer] = await time(() =>
        admin.mutate<{ id: number; apply: { state: string } }>('peers.create', {
          name: `peer-${i}`,
          routingPolicy: i % 3 ? 'cell' : 'full',
        }),
      );
      if (peer.apply.state !== 'applied') throw new Error(`create ${i} not applied: ${JSON.stringify(peer.apply)}`);
      creates.push(t);
    }
    const lists: number[] = [];
    for (let i = 0; i < 200; i++)
      lists.push((await time(() => admin.query('peers.list', { page: 1 + (i % Math.ceil(n / 50)), pageSize: 50 })))[0]);
    const singles: number[] = [];
    for (let i = 0; i < 50; i++)
      singles.push(
        (await time(() => admin.mutate('peers.setEnabled', { id: 1 + (i % 10), enabled: i % 20 >= 10 })))[0],
      );
    const [importMs] = await time(() => admin.mutate('peers.importMany', { csv: importCsv(1000) }));
    const rssEnd = cell.rssMb();
    await new Promise((r) => setTimeout(r, 60_000));
    const rssLater = cell.rssMb();
    const last = creates.slice(-100);
    console.log(`peers over HTTP: ${n}`);
    console.log(
      `  create one peer incl. apply: p50 ${ms(pct(creates, 50))}, p95 ${ms(pct(creates, 95))}; last 100: p50 ${ms(pct(last, 50))}, p95 ${ms(pct(last, 95))}  (target: p95 < 15 ms)`,
    );
    console.log(`  peers.list page of 50:       p50 ${ms(pct(lists, 50))}, p95 ${ms(pct(lists, 95))}`);
    console.log(`  single-peer apply (setEnabled): p50 ${ms(pct(singles, 50))}, p95 ${ms(pct(singles, 95))}`);
    console.log(`  peers.importMany of 1,000 rows incl. its apply: ${ms(importMs)}`);
    console.log(
      `  server RSS: ${rssStart.toFixed(0)} MB after setup, ${rssEnd.toFixed(0)} MB after the run, ${rssLater.toFixed(0)} MB 60 s later`,
    );
  } finally {
    cell.stop();
  }
}

async function main() {
  for (const n of sizes.length ? sizes : [1000, 5000]) await (overHttp ? runHttp(n) : run(n));
}
void main();
