/**
 * Reconcile timings against a real engine (run as root; needs docker.io and busybox-static):
 *   npm run bench:reconcile [-- <rounds>]
 * Starts its own dockerd under a temp dir, imports the stand-in images, then prints the
 * time of a reconcile from empty (network + four containers created and started), of a
 * no-op reconcile, and of recreating one component after a spec change.
 */
import path from 'node:path';
import { openDb } from '../src/server/db';
import { createCaller } from '../src/server/routers/_app';
import { importStandin, STANDIN_IMAGES, standinEnv, startEngine } from '../tests/helpers/engine';

const ROUNDS = Number(process.argv[2] ?? 5);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

async function main() {
  const engine = await startEngine();
  try {
    await importStandin(engine.docker, [...Object.values(STANDIN_IMAGES), 'pic-standin/ntp:2']);
    const dir = path.join(engine.dir, 'cell');
    Object.assign(process.env, standinEnv(), {
      PIC_DATA_DIR: dir,
      PIC_LOG_STDOUT: '0',
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_CELL_SUBNET: '172.29.9.0/24',
      PIC_PUBLISH_ADDRESS: '127.0.0.1',
    });
    const db = openDb(path.join(dir, 'cell.db'));
    await createCaller({ db, session: null, clientAddress: '127.0.0.1' }).setup.complete({
      cellName: 'bench',
      domainMode: 'lan',
      timezone: 'UTC',
      adminUsername: 'admin',
      adminPassword: 'bench password 123',
      services: ['dns', 'ntp', 'wireguard'],
    });
    const admin = createCaller({
      db,
      session: { id: 1, username: 'admin', role: 'admin' },
      clientAddress: '127.0.0.1',
    });

    const fromEmpty: number[] = [];
    const noop: number[] = [];
    const recreate: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // From empty: no containers and no network.
      for (const c of await engine.docker.listContainers({ all: true }))
        await engine.docker.getContainer(c.Id).remove({ force: true });
      await engine.docker
        .getNetwork('cell-network')
        .remove()
        .catch(() => undefined);
      let t = performance.now();
      const first = await admin.containers.reconcile();
      fromEmpty.push(performance.now() - t);
      if (first.components.filter((c) => c.action === 'created').length !== 4)
        throw new Error(`expected 4 created: ${JSON.stringify(first.components)}`);

      for (let i = 0; i < 20; i++) {
        t = performance.now();
        const r = await admin.containers.reconcile();
        noop.push(performance.now() - t);
        if (r.changed) throw new Error('a second reconcile changed something');
      }

      process.env.PIC_IMAGE_NTP = round % 2 === 0 ? 'pic-standin/ntp:2' : STANDIN_IMAGES.ntp;
      t = performance.now();
      const r = await admin.containers.reconcile();
      recreate.push(performance.now() - t);
      if (r.components.filter((c) => c.action === 'recreated').length !== 1) throw new Error('expected one recreate');
    }
    const version = await engine.docker.version();
    console.log(`engine: Docker ${version.Version} (API ${version.ApiVersion}), ${ROUNDS} rounds`);
    console.log(`reconcile from empty (network + 4 containers): ${fmt(fromEmpty)}   target < 5000 ms`);
    console.log(`no-op reconcile:                              ${fmt(noop)}   target < 200 ms`);
    console.log(`one component recreated after a spec change:  ${fmt(recreate)}`);
  } finally {
    await engine.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
