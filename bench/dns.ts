/**
 * DNS at scale: render and apply time of the zones with many peers and custom records,
 * through the same code as the API (no engine: files are written, the reload is pending).
 *   ./node_modules/.bin/tsx bench/dns.ts [1000 5000]
 * Prints the render time, the apply time (render, hash, serial, write), a record create
 * through the tRPC caller, and the zone size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import { dnsRecords, peers } from '../src/server/db/schema';
import { applyDns } from '../src/server/managers/dns';
import { renderDnsFiles } from '../src/server/managers/dns/model';
import { loadDnsInputs } from '../src/server/managers/dns/state';
import { createCaller } from '../src/server/routers/_app';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
async function timed(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}
const report = (label: string, xs: number[]) =>
  console.log(`${label}: p50 ${pct(xs, 50).toFixed(2)} ms, p95 ${pct(xs, 95).toFixed(2)} ms (n=${xs.length})`);

async function run(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-dns-'));
  process.env.PIC_DATA_DIR = dir;
  process.env.PIC_LOG_STDOUT = '0';
  process.env.PIC_DOCKER_SOCKET = path.join(dir, 'no-engine.sock');
  const db = openDb(path.join(dir, 'cell.db'));
  const api = createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' });
  await createCaller({ db, session: null, clientAddress: '127.0.0.1' }).setup.complete({
    cellName: 'bench',
    domainMode: 'lan',
    timezone: 'UTC',
    adminUsername: 'admin',
    adminPassword: 'correct horse battery',
    services: ['dns', 'ntp', 'wireguard'],
  });
  await api.wireguard.update({ subnet: '10.64.0.0/16' });
  const now = new Date();
  db.transaction((tx) => {
    for (let i = 0; i < size; i++) {
      tx.insert(peers)
        .values({
          name: `peer-${i}`,
          hostIndex: i + 2,
          routingPolicy: 'cell',
          allowedIps: [],
          peerToPeer: false,
          publicKey: Buffer.from(`${i}`.padStart(32, 'k')).toString('base64'),
          enabled: true,
          createdAt: now,
          updatedAt: now,
          keysRotatedAt: now,
        })
        .run();
    }
    for (let i = 0; i < size / 5; i++)
      tx.insert(dnsRecords)
        .values({
          zone: 'cell',
          name: `host-${i}`,
          type: 'A',
          value: `10.65.${i >> 8}.${i & 255}`,
          ttl: 300,
          createdAt: now,
          updatedAt: now,
        })
        .run();
  });
  console.log(`\n${size} peers, ${size / 5} custom records`);
  const inputs = loadDnsInputs(db)!;
  report('render (all files)', await timed(20, () => renderDnsFiles(inputs, 1)));
  report('apply, nothing changed', await timed(20, () => applyDns(db)));
  report(
    'record create (tRPC, with apply)',
    await timed(50, (i) =>
      api.dns.createRecord({ zone: 'cell', name: `new-${i}`, type: 'A', value: '10.66.0.1', ttl: 300 }),
    ),
  );
  console.log(`cell.zone: ${(fs.statSync(path.join(dir, 'config/dns/cell.zone')).size / 1024).toFixed(0)} KiB`);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main() {
  for (const size of sizes.length ? sizes : [1000, 5000]) await run(size);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
