/**
 * Backup and verified restore of a cell with 1,000 peers and a service holding 500 MB (random
 * bytes, so nothing compresses), on a real engine (Debian's dockerd under a temp dir): the time
 * of each step and the process's peak RSS over its resting RSS. The archive is streamed, so the
 * peak must not grow with the data. Root, with docker.io, busybox-static and docker-registry.
 *   ./node_modules/.bin/tsx bench/backup.ts [peers=1000] [megabytes=500]
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  listBackups,
  restoreBackup,
} from '../src/server/managers/backup';
import { reconcile } from '../src/server/managers/containers';
import { installService, operationDone } from '../src/server/managers/store';
import { createCaller } from '../src/server/routers/_app';
import { runtimeOf } from '../src/server/runtime/runtime';
import { importStandin, startEngine, startRegistry } from '../tests/helpers/engine';
import { publishImage, serveIndex } from '../tests/helpers/registry';

const peers = Number(process.argv[2]) || 1000;
const megabytes = Number(process.argv[3]) || 500;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-backup-'));
const registryPort = 17000 + (process.pid % 1000);
Object.assign(process.env, { PIC_DATA_DIR: dir, PIC_LOG_STDOUT: '0', PIC_CELL_SUBNET: '172.29.13.0/24' });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Samples the RSS every 20 ms while `fn` runs; resolves with its result and the peak. */
async function peakOf<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    return { value: await fn(), peak };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const engine = await startEngine(path.join(dir, 'e'));
  const registry = await startRegistry(registryPort);
  const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  try {
    await importStandin(engine.docker, ['pic-bench/svc:1']);
    const image = await publishImage(
      engine.docker,
      registry.address,
      'pic-bench/svc:1',
      'pic/svc',
      '1',
      publisher.privateKey,
    );
    const index = await serveIndex();
    index.offer([
      {
        manifestVersion: 1,
        id: 'svc',
        name: 'Bench service',
        version: '1.0.0',
        description: 'A stand-in service with one data volume.',
        category: 'tools',
        image,
        ports: [{ name: 'http', protocol: 'tcp', container: 8080 }],
        routes: [{ kind: 'cell', label: 'svc', port: 8080 }],
        volumes: [{ name: 'data', mount: '/data' }],
        healthCheck: { kind: 'exec', argv: ['true'] },
      },
    ]);
    Object.assign(process.env, {
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_STORE_INDEX_URL: index.url,
      PIC_STORE_INDEX_KEYS: index.pem,
      PIC_STORE_TRUSTED_KEYS: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });

    const db = openDb(path.join(dir, 'cell.db'));
    await createCaller({ db, session: null, clientAddress: '127.0.0.1' }).setup.complete({
      cellName: 'bench',
      domainMode: 'lan',
      timezone: 'UTC',
      adminUsername: 'admin',
      adminPassword: 'correct horse battery',
      services: ['dns'],
    });
    await reconcile(db);
    const admin = createCaller({
      db,
      session: { id: 1, username: 'admin', role: 'admin' },
      clientAddress: '127.0.0.1',
    });
    // Room for the peers: a /20 holds 4,093 of them.
    await admin.wireguard.update({ subnet: '10.8.0.0/20' });
    const csv = ['name,routingPolicy', ...Array.from({ length: peers }, (_, i) => `peer-${i},cell`)].join('\n');
    await admin.peers.importMany({ csv });
    await admin.store.catalogue({ refresh: true });
    const installed = await installService(db, { id: 'svc' });
    await operationDone(installed.operationId);
    const fill = await runtimeOf(db).engine.exec('cell-svc-svc', [
      'busybox',
      'dd',
      'if=/dev/urandom',
      'of=/data/blob',
      'bs=1048576',
      `count=${megabytes}`,
    ]);
    if (fill.exitCode !== 0) throw new Error(`filling the volume failed: ${fill.stderr}`);
    console.log(`cell: ${peers} peers, service volume ${megabytes} MB of random bytes`);

    global.gc?.();
    const resting = process.memoryUsage().rss;
    const steps = (operationId: string) =>
      getBackupOperation(db, operationId)
        .steps.map((s) => `${s.name} ${((s.ms ?? 0) / 1000).toFixed(1)} s`)
        .join(', ');

    const t0 = performance.now();
    const backup = await peakOf(async () => {
      const { operationId } = await createBackup(db, { passphrase: 'bench passphrase', trigger: 'manual' });
      await backupOperationDone(operationId);
      const op = getBackupOperation(db, operationId);
      if (op.state !== 'succeeded') throw new Error(`backup failed: ${op.error}`);
      return operationId;
    });
    const row = listBackups(db)[0]!;
    console.log(
      `backup + verify: ${((performance.now() - t0) / 1000).toFixed(1)} s, archive ${mb(row.size)}; peak RSS ${mb(backup.peak)} (resting ${mb(resting)}, +${mb(backup.peak - resting)})`,
    );
    console.log(`  ${steps(backup.value)}`);

    const t1 = performance.now();
    const restore = await peakOf(async () => {
      const { operationId } = await restoreBackup(db, { id: row.id, key: { passphrase: 'bench passphrase' } });
      await backupOperationDone(operationId);
      const op = getBackupOperation(db, operationId);
      if (op.state !== 'succeeded') throw new Error(`restore failed: ${op.error}`);
      return operationId;
    });
    console.log(
      `restore (checked, staged, own copy, put back): ${((performance.now() - t1) / 1000).toFixed(1)} s; peak RSS ${mb(restore.peak)} (+${mb(restore.peak - resting)})`,
    );
    console.log(`  ${steps(restore.value)}`);
    index.close();
  } finally {
    registry.stop();
    await engine.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error((err as Error).message.slice(0, 2000));
  process.exit(1);
});
