/**
 * Traffic history at scale: a cell of N peers (default 1,000), every one of them moving
 * bytes in every 30-second interval for a whole week, through the real sampler and prune
 * (an interface stand-in reports growing counters; the clock is simulated). Prints the
 * time of one sample, the rows and bytes the history takes on disk once a week is kept,
 * and the time to read one peer's week and the cell's day.
 *   ./node_modules/.bin/tsx bench/traffic.ts [1000]
 * A week is 20,160 samples; to keep the run short the first 6 days are sampled hourly,
 * the last day every 5 minutes and the last hour every 30 s. Every interval of every
 * series still gets its row, so the history holds exactly what a busy week leaves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import { cellTrafficSeries, pruneTraffic, sampleTraffic } from '../src/server/managers/peers';
import { peerTrafficSeries } from '../src/server/managers/peers/traffic';
import { createCaller } from '../src/server/routers/_app';
import { bindRuntime, createRuntime } from '../src/server/runtime/runtime';
import type { WgBackend } from '../src/server/managers/wireguard/backend';

const peersWanted = Number(process.argv[2]) || 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-traffic-'));
process.env.PIC_DATA_DIR = dir;
process.env.PIC_LOG_STDOUT = '0';
const file = path.join(dir, 'cell.db');
const db = openDb(file);

let now = new Date('2026-12-01T00:00:00Z');
let keys: string[] = [];
let tick = 0;
const backend: WgBackend = {
  description: 'bench stand-in',
  sync: async () => {},
  setPeer: async () => {},
  removePeer: async () => {},
  // Every peer moved a few kilobytes since the last look, and shook hands just now.
  dump: async () =>
    [
      'priv\tpub\t51820\toff',
      ...keys.map(
        (k, i) =>
          `${k}\t(none)\t203.0.113.${i % 250}:${40000 + i}\t10.0.0.2/32\t${Math.floor(now.getTime() / 1000) - 5}\t${tick * (4000 + i)}\t${tick * (900 + i)}\toff`,
      ),
    ].join('\n'),
};
bindRuntime(db, createRuntime(process.env, { wireguard: backend, clock: () => now }));
const admin = createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' });
const anon = createCaller({ db, session: null, clientAddress: '127.0.0.1' });

async function main() {
  await anon.setup.complete({
    cellName: 'bench',
    domainMode: 'lan',
    timezone: 'UTC',
    adminUsername: 'admin',
    adminPassword: 'correct horse battery',
    services: ['wireguard'],
  });
  await admin.wireguard.update({ subnet: '10.8.0.0/20', confirmReaddress: true });
  const csv = ['name,routingPolicy', ...Array.from({ length: peersWanted }, (_, i) => `p${i},cell`)].join('\n');
  await admin.peers.importMany({ csv });
  keys = db.$client
    .prepare('select public_key from peers order by id')
    .all()
    .map((r) => (r as { public_key: string }).public_key);

  const sampleTimes: number[] = [];
  const sample = async (at: Date) => {
    now = at;
    tick++;
    // The interface is read at most every 5 s: the simulated clock moves faster than that.
    await new Promise((r) => setTimeout(r, 0));
    const t = performance.now();
    await sampleTraffic(db, at);
    sampleTimes.push(performance.now() - t);
  };
  const start = now.getTime();
  const week = 7 * 86_400_000;
  const day = 86_400_000;
  const hour = 3_600_000;
  const phases: [from: number, to: number, step: number][] = [
    [start, start + week - day, hour],
    [start + week - day, start + week - hour, 300_000],
    [start + week - hour, start + week + 1, 30_000],
  ];
  for (const [from, to, step] of phases) {
    for (let t = from; t < to; t += step) {
      await sample(new Date(t));
      if ((t - start) % 600_000 === 0) pruneTraffic(db, new Date(t));
      forceFreshRead();
    }
  }
  pruneTraffic(db, now);
  db.$client.exec('VACUUM');

  const rows = (table: string) => (db.$client.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;
  const bytes = (table: string) =>
    (db.$client.prepare('select sum(pgsize) b from dbstat where name = ?').get(table) as { b: number | null }).b ?? 0;
  const last = sampleTimes.slice(-120).sort((a, b) => a - b);
  const t0 = performance.now();
  const weekSeries = peerTrafficSeries(db, 500 % peersWanted, 'week', now);
  const readWeek = performance.now() - t0;
  const t1 = performance.now();
  cellTrafficSeries(db, 'day', now);
  const readDay = performance.now() - t1;
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`peers: ${peersWanted}, samples: ${sampleTimes.length}`);
  console.log(
    `one sample (last hour, 30 s steps): median ${last[Math.floor(last.length / 2)]!.toFixed(1)} ms, p95 ${last[Math.floor(last.length * 0.95)]!.toFixed(1)} ms`,
  );
  console.log(`peer_traffic: ${rows('peer_traffic')} rows, ${mib(bytes('peer_traffic'))}`);
  console.log(`cell_traffic: ${rows('cell_traffic')} rows, ${mib(bytes('cell_traffic'))}`);
  console.log(`peer_endpoints: ${rows('peer_endpoints')} rows, ${mib(bytes('peer_endpoints'))}`);
  console.log(`peer_counters: ${rows('peer_counters')} rows, ${mib(bytes('peer_counters'))}`);
  console.log(`database file after VACUUM: ${mib(fs.statSync(file).size)}`);
  console.log(
    `read one peer's week: ${readWeek.toFixed(2)} ms (${weekSeries.length} points); the cell's day: ${readDay.toFixed(2)} ms`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The sampler reads the interface through a 5-second cache; the bench's clock runs ahead of it. */
function forceFreshRead() {
  const store = globalThis as unknown as Record<symbol, { liveCache: unknown }>;
  const wg = store[Symbol.for('pic.wireguard.apply')];
  if (wg) wg.liveCache = null;
}

void main();
