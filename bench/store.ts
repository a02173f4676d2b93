/**
 * The store at work on a real engine (Debian's dockerd under a temp dir) with a local
 * registry: a small signed service offered by a signed index is installed, each step timed;
 * then N instances of it (default 10) are installed and the reconcile that runs at every
 * start is timed with nothing to do (target: under 300 ms); then one is removed, each step
 * timed. Root, with docker.io, busybox-static and docker-registry installed.
 *   ./node_modules/.bin/tsx bench/store.ts [10]
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import { reconcile } from '../src/server/managers/containers';
import { installService, operationDone, reconcileServices, removeService } from '../src/server/managers/store';
import { createCaller } from '../src/server/routers/_app';
import { importStandin, startEngine, startRegistry } from '../tests/helpers/engine';
import { publishImage, serveIndex } from '../tests/helpers/registry';

const instances = Number(process.argv[2]) || 10;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-store-'));
const registryPort = 17000 + (process.pid % 1000);
Object.assign(process.env, { PIC_DATA_DIR: dir, PIC_LOG_STDOUT: '0', PIC_CELL_SUBNET: '172.29.9.0/24' });

async function main() {
  const engine = await startEngine(path.join(dir, 'e'));
  const registry = await startRegistry(registryPort);
  const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  try {
    // The service's image: the busybox stand-in, pushed and signed, then off the engine (installs pull it).
    await importStandin(engine.docker, ['pic-bench/svc:1']);
    const image = await publishImage(
      engine.docker,
      registry.address,
      'pic-bench/svc:1',
      'pic/svc',
      '1',
      publisher.privateKey,
    );
    for (const i of await engine.docker.listImages()) await engine.docker.getImage(i.Id).remove({ force: true });

    const manifest = {
      manifestVersion: 1,
      id: 'svc',
      name: 'Bench service',
      version: '1.0.0',
      description: 'A stand-in service with a volume, a .cell route and an exec health check.',
      category: 'tools',
      image,
      instanceable: true,
      ports: [{ name: 'http', protocol: 'tcp', container: 8080 }],
      routes: [{ kind: 'cell', label: 'svc', port: 8080 }],
      volumes: [{ name: 'data', mount: '/data' }],
      healthCheck: { kind: 'exec', argv: ['true'] },
    };
    const index = await serveIndex();
    index.offer([manifest]);
    Object.assign(process.env, {
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_STORE_INDEX_URL: index.url,
      PIC_STORE_INDEX_KEYS: index.pem,
      PIC_STORE_TRUSTED_KEYS: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });

    const db = openDb(path.join(dir, 'cell.db'));
    const anon = createCaller({ db, session: null, clientAddress: '127.0.0.1' });
    await anon.setup.complete({
      cellName: 'bench',
      domainMode: 'lan',
      timezone: 'UTC',
      adminUsername: 'admin',
      adminPassword: 'correct horse battery',
      services: ['dns'],
    });
    await reconcile(db); // cell-network
    const admin = createCaller({
      db,
      session: { id: 1, username: 'admin', role: 'admin' },
      clientAddress: '127.0.0.1',
    });

    const timed = async (label: string, start: () => Promise<{ operationId: string }> | { operationId: string }) => {
      const t = performance.now();
      const { operationId } = await start();
      await operationDone(operationId);
      const op = await admin.store.operation({ operationId });
      if (op.state !== 'succeeded') throw new Error(`${label} failed: ${op.error}`);
      console.log(
        `${label}: ${(performance.now() - t).toFixed(0)} ms  (${op.steps.map((s) => `${s.name} ${s.ms ?? 0}`).join(', ')})`,
      );
    };

    await timed('install (pulls)', () => installService(db, { id: 'svc' }));
    await timed('install (image on the engine)', () => installService(db, { id: 'svc' }));
    for (let i = 2; i < instances; i++)
      await installService(db, { id: 'svc' }).then((r) => operationDone(r.operationId));
    console.log(`installed: ${(await admin.store.installed()).length} instances`);

    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const report = await reconcileServices(db);
      runs.push(performance.now() - t);
      if (report.actions.length) throw new Error(`a no-op reconcile acted: ${JSON.stringify(report.actions)}`);
    }
    runs.sort((a, b) => a - b);
    console.log(
      `reconcile of ${instances} installed, nothing to do: p50 ${runs[5]!.toFixed(0)} ms, max ${runs[9]!.toFixed(0)} ms (target < 300 ms)`,
    );
    await timed('remove (keep data)', () => removeService(db, { instanceId: 'svc-1', keepData: true }));
    await timed('remove (delete data)', () => removeService(db, { instanceId: 'svc-2', keepData: false }));
    index.close();
  } finally {
    registry.stop();
    await engine.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
