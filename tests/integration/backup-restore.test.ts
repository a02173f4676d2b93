/**
 * A backup's round trip on a real engine: a populated cell (peers in a group, a DNS record, a
 * route, its CA, Radicale installed from a signed image with an event in it) is backed up; its
 * data directory, its service's container and volume and the image itself are wiped; a new
 * cell on the same engine restores the archive. Every table row and every key file is back,
 * the image is verified and pulled again, the volume is back and the event is served again.
 * The service stopped behind the cell's back then shows on the timeline and is notified.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  listBackups,
  receiveUpload,
  restoreBackup,
} from '@/server/managers/backup';
import { reconcile } from '@/server/managers/containers';
import { monitorTick } from '@/server/managers/health';
import { bundledManifests, operationDone } from '@/server/managers/store';
import { ensureCa } from '@/server/managers/vault';
import { settleChanges } from '@/server/runtime/changes';
import { bindRuntime, createRuntime, runtimeOf } from '@/server/runtime/runtime';
import { tableRows } from '../helpers/cell-state';
import { admin, callerAs, freshCell, setUp, useBackend } from '../helpers/db';
import { debianImages, DEBIAN_IMAGE_TOOLS } from '../helpers/debian-images';
import { ENGINE_TOOLS, startEngine, startRegistry, type TestEngine } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { publishImage, serveIndex } from '../helpers/registry';
import { recordingBackend } from '../helpers/wireguard';

const run = promisify(execFile);
const ready = requireTools(
  'the backup round trip',
  [...ENGINE_TOOLS, ...DEBIAN_IMAGE_TOOLS, 'curl'],
  'apt-get install docker.io busybox-static docker-registry mmdebstrap curl',
);

const SUBNET = '172.29.12.0/24';
const SERVICE = '172.29.12.20';
const REGISTRY_PORT = 17000 + (process.pid % 1000);
const PASS = 'the round trip passphrase';
const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//cell test//EN',
  'BEGIN:VEVENT',
  'UID:restore-1@cell',
  'DTSTAMP:20261202T120000Z',
  'DTSTART:20261231T200000Z',
  'SUMMARY:Restored party',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const keyFiles = (dir: string) =>
  Object.fromEntries(
    fs.readdirSync(path.join(dir, 'secrets')).map((f) => [f, fs.readFileSync(path.join(dir, 'secrets', f), 'utf8')]),
  );

describe.skipIf(!ready)('a backup restored on a wiped cell', () => {
  let engine: TestEngine;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let index: Awaited<ReturnType<typeof serveIndex>>;
  const env: Record<string, string> = {};
  let password = '';

  const calendar = async (method: string, url: string, body?: string) => {
    const args = ['-sS', '--max-time', '10', '-u', `alice:${password}`, '-X', method, '-w', '\n%{http_code}'];
    if (body !== undefined) args.push('-H', 'Content-Type: text/calendar', '--data-binary', body);
    const { stdout } = await run('curl', [...args, `http://${SERVICE}:5232/alice/family/${url}`], {
      encoding: 'utf8',
    }).catch((e: { stdout: string }) => e);
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };

  beforeAll(async () => {
    engine = await startEngine();
    registry = await startRegistry(REGISTRY_PORT);
    const built = await debianImages(engine, ['radicale']);
    const image = await publishImage(
      engine.docker,
      registry.address,
      built.PIC_STORE_RADICALE!,
      'pic/radicale',
      '3.1.8',
      publisher.privateKey,
    );
    for (const i of await engine.docker.listImages()) await engine.docker.getImage(i.Id).remove({ force: true });
    index = await serveIndex();
    // Its data volume asks for a dump first: the command runs in the container before the volume is read.
    const calendar = bundledManifests().find((m) => m.id === 'calendar')!;
    index.offer([
      {
        ...calendar,
        version: '3.1.8',
        image,
        volumes: calendar.volumes.map((v) => (v.name === 'data' ? { ...v, backup: 'dump' as const } : v)),
        dump: ['tar', '-cf', '/data/dump.tar', '-C', '/data', 'collections'],
      },
    ]);
    Object.assign(env, {
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_CELL_SUBNET: SUBNET,
      PIC_PUBLISH_ADDRESS: '127.0.0.1',
      PIC_STORE_INDEX_URL: index.url,
      PIC_STORE_INDEX_KEYS: index.pem,
      PIC_STORE_TRUSTED_KEYS: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      PIC_OUTBOUND_ALLOW_LOOPBACK: '1',
    });
    Object.assign(process.env, env);
  }, 900_000);

  afterAll(async () => {
    index?.close();
    registry?.stop();
    for (const k of Object.keys(env)) delete process.env[k];
    await engine?.destroy();
  }, 120_000);

  it('brings back every row, every key, the service, its image and its data; a stop behind its back is seen and notified', async () => {
    // The cell as it was: peers in a group, a record, a route, its CA, Radicale with an event.
    const before = freshCell();
    const db = before.db;
    useBackend(db, recordingBackend({ rules: true }).backend);
    await setUp(db);
    await ensureCa(db);
    const api = admin(db);
    const family = await api.groups.create({ name: 'family', services: ['dns'] });
    await api.peers.create({ name: 'bob', routingPolicy: 'cell', groups: [family.id] });
    const alice = await api.peers.create({ name: 'alice', routingPolicy: 'cell' });
    const login = await api.peers.createLogin({ peerId: alice.id, username: 'alice', mode: 'link' });
    await api.dns.createRecord({ zone: 'cell', name: 'printer', type: 'A', value: '10.0.0.22', ttl: 300 });
    await api.routes.create({ host: 'nas.cell', upstream: '192.168.1.60:5000', access: 'peers' });
    expect((await reconcile(db)).network.action).not.toBe('failed');
    await api.store.catalogue({ refresh: true });
    const install = await api.store.install({ id: 'calendar' });
    await operationDone(install.operationId);
    expect((await api.store.operation({ operationId: install.operationId })).error).toBeNull();
    const peer = callerAs(db, { id: login.userId, username: 'alice', role: 'peer' });
    password = (await peer.portal.resetServicePassword({ service: 'calendar' })).password;
    await expect.poll(async () => (await calendar('MKCALENDAR', '')).status, { timeout: 15_000 }).toBe(201);
    expect((await calendar('PUT', 'party.ics', EVENT)).status).toBe(201);
    const config = await api.peers.config({ id: alice.id });
    await settleChanges();

    const made = await createBackup(db, { passphrase: PASS, trigger: 'manual', scryptWorkFactor: 10 });
    await backupOperationDone(made.operationId);
    const op = getBackupOperation(db, made.operationId);
    expect(op.error).toBeNull();
    expect(op.steps.find((s) => s.name === 'services')?.detail).toMatch(/^2 volumes, /);
    const saved = { rows: tableRows(db), keys: keyFiles(before.dir) };
    const archive = path.join(before.dir, 'backups', listBackups(db)[0]!.name);
    const kept = path.join(fs.mkdtempSync('/tmp/pic-roundtrip-'), 'cell.age');
    fs.copyFileSync(archive, kept);

    // Everything is lost: the data directory, the service's container and volume, its image.
    await engine.docker.getContainer('cell-svc-calendar').remove({ force: true });
    for (const v of ['data', 'config']) await engine.docker.getVolume(`cell-svc-calendar-${v}`).remove();
    for (const i of await engine.docker.listImages()) await engine.docker.getImage(i.Id).remove({ force: true });
    db.$client.close();
    fs.rmSync(before.dir, { recursive: true, force: true });

    // A new cell restores the kept archive: first while its engine does not answer (refused at
    // the check, nothing changed), then on the same engine.
    const after = freshCell();
    const wireguard = recordingBackend({ rules: true }).backend;
    bindRuntime(
      after.db,
      createRuntime({ ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' }, { wireguard }),
    );
    const { uploadId } = await receiveUpload(after.db, fs.createReadStream(kept));
    const blank = tableRows(after.db);
    const away = await restoreBackup(after.db, { id: uploadId, key: { passphrase: PASS } });
    await backupOperationDone(away.operationId);
    const refused = getBackupOperation(after.db, away.operationId);
    expect(refused.steps[0]).toMatchObject({ name: 'check', state: 'failed' });
    expect(refused.error).toMatch(
      /^check: the archive holds 2 service volumes, and no container engine answers at \/nonexistent\/docker\.sock: start it, then restore$/,
    );
    expect(tableRows(after.db)).toEqual(blank);
    bindRuntime(after.db, createRuntime(process.env, { wireguard }));
    const restored = await restoreBackup(after.db, { id: uploadId, key: { passphrase: PASS } });
    await backupOperationDone(restored.operationId);
    const done = getBackupOperation(after.db, restored.operationId);
    expect(done.error).toBeNull();
    expect(done.steps.find((s) => s.name === 'volumes')?.detail).toBe(
      '2 volumes put back, 1 images verified and pulled',
    );
    expect(done.steps.find((s) => s.name === 'services')?.detail).toBe('1 service containers made');
    await settleChanges();

    expect(tableRows(after.db)).toEqual(saved.rows);
    expect(keyFiles(after.dir)).toEqual(saved.keys);
    expect(await admin(after.db).peers.config({ id: alice.id })).toBe(config);
    await expect
      .poll(async () => (await calendar('GET', 'party.ics')).body, { timeout: 20_000 })
      .toContain('SUMMARY:Restored party');
    const [service] = await admin(after.db).store.installed();
    expect(service).toMatchObject({ id: 'calendar', state: 'installed', container: { running: true } });
    // The dump the backup ran (after the event was written) came back with the volume.
    const dump = await runtimeOf(after.db).engine.exec('cell-svc-calendar', ['tar', '-tf', '/data/dump.tar']);
    expect(dump.stdout).toMatch(/^collections\/collection-root\/alice\/family\/party\.ics$/m);

    // Stopped behind the cell's back, the service shows on the timeline and sends one notice; back, one more.
    const received: { component: string; state: string; previous: string | null }[] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
      await admin(after.db).notifications.update({ url, format: 'json' });
      await monitorTick(after.db);
      const ofCalendar = () => received.filter((r) => r.component === 'container cell-svc-calendar');
      expect(ofCalendar()).toEqual([]);
      await engine.docker.getContainer('cell-svc-calendar').stop({ t: 1 });
      await monitorTick(after.db);
      await monitorTick(after.db);
      expect(ofCalendar()).toEqual([expect.objectContaining({ state: 'down', previous: 'up' })]);
      await engine.docker.getContainer('cell-svc-calendar').start();
      await monitorTick(after.db);
      expect(ofCalendar().map((r) => r.state)).toEqual(['down', 'up']);
      const timeline = (await admin(after.db).health.history({ hours: 1 })).find(
        (c) => c.component === 'container cell-svc-calendar',
      )!;
      expect(timeline.segments.map((s) => s.state)).toEqual(['up', 'down', 'up']);
    } finally {
      hook.close();
    }
  }, 300_000);
});
