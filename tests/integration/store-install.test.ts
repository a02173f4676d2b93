/**
 * The store against a real engine: Radicale built from Debian's packages, pushed to a local
 * registry, signed in cosign's format and offered by a signed index; installed through the
 * API, served by a real Caddy with the cell's CA, removed keeping its data, installed again,
 * updated (a broken version refused, a healthy one switched to). Every install step is made
 * to fail once, and each time the engine, the database and the rendered files are as before.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { cellNames, routes, storeInstances } from '@/server/db/schema';
import { reconcile } from '@/server/managers/containers';
import { applyCaddy } from '@/server/managers/routes';
import {
  bundledManifests,
  installService,
  mailAutoconfig,
  operationDone,
  removeService,
  updateService,
} from '@/server/managers/store';
import { profileModel } from '@/server/managers/portal';
import { ensureCa, rootCertificate } from '@/server/managers/vault';
import { runtimeOf } from '@/server/runtime/runtime';
import { settleChanges } from '@/server/runtime/changes';
import { admin, callerAs, freshCell, setUp, useBackend } from '../helpers/db';
import { debianImages, DEBIAN_IMAGE_TOOLS } from '../helpers/debian-images';
import { ENGINE_TOOLS, importStandin, startEngine, startRegistry, type TestEngine } from '../helpers/engine';
import { readCosignKey, writeCosignKey } from '../helpers/cosign-key';
import { runHostCaddy } from '../helpers/caddy-fixtures';
import { requireTools } from '../helpers/netns';
import { attachSignature, publishImage as publishTo, serveIndex } from '../helpers/registry';
import { eventually } from '../helpers/wait';
import { recordingBackend } from '../helpers/wireguard';

const run = promisify(execFile);
const ready = requireTools(
  'the store install suite',
  [...ENGINE_TOOLS, ...DEBIAN_IMAGE_TOOLS, 'caddy', 'curl', 'skopeo', 'ip', 'named-checkzone', 'python3', 'dnsmasq'],
  'apt-get install docker.io busybox-static docker-registry mmdebstrap caddy curl skopeo',
);

const SUBNET = '172.29.6.0/24';
const TUNNEL = '172.29.7.0/24';
const GATEWAY = '172.29.6.1';
const port = 23000 + (process.pid % 3000) * 2;
const [HTTP_PORT, HTTPS_PORT, REGISTRY_PORT] = [port, port + 1, 16000 + (process.pid % 1000)];
const INSTALL_STEPS = [
  'verify',
  'pull',
  'volumes',
  'secrets',
  'container',
  'configure',
  'names',
  'routes',
  'firewall',
  'accounts',
  'health',
];

// The publisher signs with a key kept in cosign's encrypted key file format, as cosign leaves it.
const generated = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publisher = {
  privateKey: readCosignKey(writeCosignKey(generated.privateKey, 'publisher password'), 'publisher password'),
  publicKey: generated.publicKey,
};

const CONTACT = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:bob@cell',
  'FN:Bob Example',
  'N:Example;Bob;;;',
  'END:VCARD',
  '',
].join('\r\n');

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//cell test//EN',
  'BEGIN:VEVENT',
  'UID:dinner-1@cell',
  'DTSTAMP:20261202T120000Z',
  'DTSTART:20261224T180000Z',
  'SUMMARY:Family dinner',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe.skipIf(!ready)('store services on a real engine', () => {
  let engine: TestEngine;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let index: Awaited<ReturnType<typeof serveIndex>>;
  let caddy: ChildProcess | undefined;
  let db: Db;
  let dir: string;
  let rootFile: string;
  const images: Record<string, string> = {};
  const env: Record<string, string> = {};

  const calendar = bundledManifests().find((m) => m.id === 'calendar')!;
  /** The calendar entry as the test's publisher offers it: its own Radicale, at a version. */
  const offer = (version: string, image: string, health = calendar.healthCheck) => ({
    ...calendar,
    version,
    image,
    healthCheck: health,
  });
  /** The files entry as the test's publisher offers it: a WebDAV image that reads the access the cell renders, reloaded after each change. */
  const filesOffer = () => {
    const files = bundledManifests().find((m) => m.id === 'files')!;
    return {
      ...files,
      version: '2.4.57',
      image: images.webdav!,
      accounts: {
        kind: 'htpasswd',
        volume: 'data',
        file: 'user.passwd',
        rights: {
          format: 'apache',
          file: 'access.conf',
          shared: { volume: 'data', root: 'data', folder: 'groups' },
          reload: ['apachectl', 'graceful'],
        },
      },
    };
  };
  const publish = async (...entries: Record<string, unknown>[]) => {
    index.offer(entries);
    await admin(db).store.catalogue({ refresh: true });
  };

  const publishImage = (local: string, repo: string, tag: string, sign = true) =>
    publishTo(engine.docker, registry.address, local, repo, tag, sign ? publisher.privateKey : undefined);

  /** Peers with portal logins, and the passwords their portal showed them for the calendar. */
  const peers: Record<string, { id: number; userId: number }> = {};
  const passwords: Record<string, string> = {};
  async function resetPassword(name: string, service = 'calendar') {
    const session = { id: peers[name]!.userId, username: name, role: 'peer' as const };
    const reset = await callerAs(db, session).portal.resetServicePassword({ service });
    expect(reset.applied).toBe(true);
    passwords[`${service}:${name}`] = reset.password;
  }

  const curl = async (method: string, url: string, body?: string, user = 'alice', from?: string) => {
    const host = new URL(url).hostname;
    const password = passwords[`${host.split('.')[0]}:${user}`] ?? 'none';
    const args = ['-sS', '--max-time', '10', '--cacert', rootFile, '-u', `${user}:${password}`];
    if (from) args.push('--interface', from);
    args.push('--resolve', `${host}:${HTTPS_PORT}:${GATEWAY}`, '-X', method, '-w', '\n%{http_code}');
    const type = url.endsWith('.vcf') ? 'text/vcard' : url.endsWith('.txt') ? 'text/plain' : 'text/calendar';
    if (body !== undefined) args.push('-H', `Content-Type: ${type}`, '--data-binary', body);
    if (method === 'PROPFIND') args.push('-H', 'Depth: 1');
    const { stdout } = await run('curl', [...args, url], { encoding: 'utf8' }).catch((e: { stdout: string }) => e);
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  };
  const calendarUrl = (p = '') => `https://calendar.cell:${HTTPS_PORT}/alice/family/${p}`;

  /** What an install must leave exactly as it found it when it fails. */
  async function snapshot() {
    const store = { label: ['cell.stack=store'] };
    const containers = (await engine.docker.listContainers({ all: true, filters: store })).map((c) => c.Names[0]);
    const volumes = ((await engine.docker.listVolumes({ filters: store })).Volumes ?? []).map((v) => v.Name);
    const files = ['dns', 'caddy', 'firewall'].flatMap((d) => {
      const folder = path.join(dir, 'config', d);
      if (!fs.existsSync(folder)) return [];
      return fs
        .readdirSync(folder, { recursive: true })
        .map(String)
        .filter((f) => fs.statSync(path.join(folder, f)).isFile() && !f.startsWith('tls/'))
        .sort()
        .map(
          (f) =>
            `${d}/${f}:${createHash('sha256')
              .update(sameSerial(fs.readFileSync(path.join(folder, f), 'utf8')))
              .digest('hex')}`,
        );
    });
    return {
      containers: containers.sort(),
      volumes: volumes.sort(),
      instances: db.select().from(storeInstances).all(),
      names: db.select({ label: cellNames.label, owner: cellNames.owner }).from(cellNames).all(),
      routes: db.select({ host: routes.host, upstream: routes.upstream }).from(routes).all(),
      files,
    };
  }

  beforeAll(async () => {
    engine = await startEngine();
    registry = await startRegistry(REGISTRY_PORT);
    const built = await debianImages(engine, ['radicale', 'webdav', 'mail']);
    images.v1 = await publishImage(built.PIC_STORE_RADICALE!, 'pic/radicale', '3.1.8');
    images.webdav = await publishImage(built.PIC_STORE_WEBDAV!, 'pic/webdav', '2.4.57');
    images.mail = await publishImage(built.PIC_STORE_MAIL!, 'pic/mail', '14.0.0');
    // The next version: the same Radicale with one more file, so another image and digest.
    const c = await engine.docker.createContainer({ Image: built.PIC_STORE_RADICALE! });
    await c.putArchive(await tarOf('RELEASE', '3.1.9\n'), { path: '/etc' });
    await c.commit({ repo: 'pic-test/radicale-next', tag: '1' });
    await c.remove();
    images.v2 = await publishImage('pic-test/radicale-next:1', 'pic/radicale', '3.1.9');
    await importStandin(engine.docker, ['pic-test/unsigned:1']);
    images.unsigned = await publishImage('pic-test/unsigned:1', 'pic/unsigned', '1', false);
    // Off the engine again, so an install really pulls what the registry holds.
    for (const image of (await engine.docker.listImages()).map((i) => i.Id))
      await engine.docker.getImage(image).remove({ force: true });

    index = await serveIndex();

    ({ db, dir } = freshCell());
    Object.assign(env, {
      PIC_DOCKER_SOCKET: engine.socket,
      PIC_CELL_SUBNET: SUBNET,
      PIC_PUBLISH_ADDRESS: '127.0.0.1',
      PIC_STORE_INDEX_URL: index.url,
      PIC_STORE_INDEX_KEYS: index.pem,
      PIC_STORE_TRUSTED_KEYS: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      PIC_PROXY_LISTEN: GATEWAY,
      PIC_HTTP_PORT: String(HTTP_PORT),
      PIC_HTTPS_PORT: String(HTTPS_PORT),
      PIC_UI_UPSTREAM: '127.0.0.1:9',
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    Object.assign(process.env, env);
    useBackend(db, recordingBackend({ rules: true }).backend);
    await setUp(db);
    await ensureCa(db);
    // A tunnel subnet of the test's own, so peers' addresses can be given to loopback below.
    await admin(db).wireguard.update({ subnet: TUNNEL });
    for (const name of ['alice', 'bob', 'carol']) {
      const { id } = await admin(db).peers.create({ name, routingPolicy: 'cell' });
      const login = await admin(db).peers.createLogin({ peerId: id, username: name, mode: 'link' });
      peers[name] = { id, userId: login.userId };
    }
    rootFile = path.join(dir, 'root.pem');
    fs.writeFileSync(rootFile, (await admin(db).vault.root()).pem);
    // cell-network, as the core stack's reconcile makes it (the core images are not needed here).
    expect((await reconcile(db)).network.action).not.toBe('failed');
    await applyCaddy(db);
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    caddy = runHostCaddy(dir);
    const up = await eventually(async () => fs.existsSync(runtimeOf(db).caddy.adminSocket()), Boolean, 15_000);
    expect(up, 'Caddy started').toBe(true);
    await publish(offer('3.1.8', images.v1!));
  }, 900_000);

  afterAll(async () => {
    caddy?.kill();
    index?.close();
    registry?.stop();
    for (const k of Object.keys(env)) delete process.env[k];
    await engine?.destroy();
  }, 120_000);

  it.each(INSTALL_STEPS)(
    'an install that fails at %s leaves the engine, the database and the rendered files as they were',
    async (step) => {
      const before = await snapshot();
      const { operationId } = await installService(db, { id: 'calendar' }, { failAt: step, healthTries: 30 });
      await operationDone(operationId);
      const op = await admin(db).store.operation({ operationId });
      expect(op.state).toBe('failed');
      expect(op.error).toBe(`${step}: ${step} failed on purpose (test hook)`);
      const at = INSTALL_STEPS.indexOf(step) + 1;
      expect(op.steps.slice(0, at).every((s) => s.state === 'undone' || s.state === 'done')).toBe(true);
      expect(op.steps.slice(at + 1).every((s) => s.state === 'skipped')).toBe(true);
      // The first install that gets past the pull really pulls, with the engine's progress.
      if (step === 'volumes') expect(op.steps.find((s) => s.name === 'pull')?.detail).toBe('pulled');
      expect(await snapshot()).toEqual(before);
    },
    120_000,
  );

  it('an unsigned image is refused before anything is made', async () => {
    await publish(offer('3.1.8', images.v1!), { ...offer('1.0.0', images.unsigned!), id: 'notes', routes: [] });
    const before = await snapshot();
    const { operationId } = await admin(db).store.install({ id: 'notes' });
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.error).toMatch(/^verify: .*pic\/unsigned.* is not signed: it has no cosign signature/);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('installs the signed Radicale; CalDAV works through Caddy with the cell CA', async () => {
    const { operationId, instanceId } = await admin(db).store.install({ id: 'calendar' });
    expect(instanceId).toBe('calendar');
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.error).toBeNull();
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual(['validate', ...INSTALL_STEPS].map((s) => `${s}:done`));
    expect(op.steps.find((s) => s.name === 'verify')?.detail).toBe('signed by environment key 1');
    expect(op.steps.find((s) => s.name === 'pull')?.detail).toBe('already on the engine');

    const [installed] = await admin(db).store.installed();
    expect(installed).toMatchObject({
      id: 'calendar',
      version: '3.1.8',
      state: 'installed',
      image: images.v1,
      address: '172.29.6.20',
      names: ['calendar.cell'],
      container: { running: true },
    });
    const info = await engine.docker.getContainer('cell-svc-calendar').inspect();
    expect(info.Config.Image).toBe(images.v1);
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    // Every peer with a portal login may use it (none is in a group yet): each has an account.
    expect(op.steps.find((s) => s.name === 'accounts')?.detail).toBe('3 accounts');
    // Nobody knows a password until the portal shows one.
    expect((await curl('PROPFIND', calendarUrl())).status).toBe(401);

    await resetPassword('alice');
    expect((await curl('MKCALENDAR', calendarUrl())).status).toBe(201);
    expect((await curl('PUT', calendarUrl('dinner.ics'), EVENT)).status).toBe(201);
    const listing = await curl('PROPFIND', calendarUrl());
    expect(listing.status).toBe(207);
    expect(listing.body).toContain('/alice/family/dinner.ics');
    expect((await curl('GET', calendarUrl('dinner.ics'))).body).toContain('SUMMARY:Family dinner');
  }, 180_000);

  it('Radicale logs at the level the Logs page sets, in a container made again with it, its data kept', async () => {
    const api = admin(db);
    const container = () => engine.docker.getContainer('cell-svc-calendar');
    const logsOf = async () => (await container().logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
    /** Once the new container answers: the calendar kept, and what Radicale logged for that request. */
    const answered = async () => {
      for (let i = 0; i < 60; i++) {
        const got = await curl('GET', calendarUrl('dinner.ics')).catch(() => null);
        if (got?.status === 200) return got.body;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error('the calendar did not answer again');
    };
    const before = (await container().inspect()).Id;
    expect(await api.logs.setLevel({ target: 'cell-svc-calendar', level: 'debug' })).toMatchObject({
      applies: 'restart',
      container: 'cell-svc-calendar',
      apply: { state: 'applied' },
    });
    const debug = await container().inspect();
    expect(debug.Id).not.toBe(before);
    expect(debug.Config.Cmd).toContain('--logging-level=debug');
    expect(await answered()).toContain('SUMMARY:Family dinner');
    expect(await logsOf()).toMatch(/\[DEBUG\]/);

    // Back to its own default: the container the install made, saying no more than info.
    await api.logs.clearLevel({ target: 'cell-svc-calendar' });
    const plain = await container().inspect();
    expect(plain.Config.Cmd).toEqual(calendar.command);
    expect(await answered()).toContain('SUMMARY:Family dinner');
    expect(await logsOf()).not.toMatch(/\[DEBUG\]/);
    expect((await api.logs.levels()).services).toMatchObject([{ target: 'cell-svc-calendar', level: null }]);
  }, 120_000);

  it('removed keeping its data and installed again, the calendar is still there, and so is the password', async () => {
    const accounts = (await admin(db).store.accounts.list({ instanceId: 'calendar' })).map((a) => a.username);
    expect(accounts.length).toBeGreaterThan(0);
    const { operationId } = removeService(db, { instanceId: 'calendar', keepData: true });
    await operationDone(operationId);
    expect((await admin(db).store.operation({ operationId })).state).toBe('succeeded');
    const after = await snapshot();
    expect(after.containers).toEqual([]);
    expect(after.volumes).toEqual(['cell-svc-calendar-config', 'cell-svc-calendar-data']);
    expect(after.instances).toEqual([]);
    expect(after.names.some((n) => n.label === 'calendar')).toBe(false);
    expect(after.routes).toEqual([]);

    const again = await admin(db).store.install({ id: 'calendar' });
    await operationDone(again.operationId);
    expect((await admin(db).store.operation(again)).steps.find((s) => s.name === 'volumes')?.detail).toBe(
      `0 made, 2 kept from before, ${accounts.length} account${accounts.length === 1 ? '' : 's'} as they were`,
    );
    // The accounts were kept with the data: the phone's password still opens the calendar kept.
    expect((await admin(db).store.accounts.list({ instanceId: 'calendar' })).map((a) => a.username)).toEqual(accounts);
    const got = await curl('GET', calendarUrl('dinner.ics'));
    expect(got.body).toContain('SUMMARY:Family dinner');
  }, 180_000);

  it("each peer sees its own calendars and its group's shared ones; a peer out of the group, disabled or denied, does not", async () => {
    const api = admin(db);
    const family = await api.groups.create({ name: 'Family', services: ['web', 'calendar'] });
    const others = await api.groups.create({ name: 'Others', services: ['web'] });
    await api.peers.update({ id: peers.alice!.id, groups: [family.id] });
    await api.peers.update({ id: peers.bob!.id, groups: [family.id] });
    await api.peers.update({ id: peers.carol!.id, groups: [others.id] });
    await settleChanges();
    expect((await api.store.accounts.list({ instanceId: 'calendar' })).map((a) => a.username)).toEqual([
      'alice',
      'bob',
    ]);
    await resetPassword('bob');
    passwords['calendar:carol'] = 'no account here';

    const shared = (p = '') => `https://calendar.cell:${HTTPS_PORT}/groups/family/${p}`;
    expect((await curl('PUT', shared('calendar/dinner.ics'), EVENT)).status).toBe(201);
    expect((await curl('GET', shared('calendar/dinner.ics'), undefined, 'bob')).body).toContain(
      'SUMMARY:Family dinner',
    );
    expect((await curl('PUT', shared('addressbook/bob.vcf'), CONTACT, 'bob')).status).toBe(201);
    expect((await curl('GET', shared('addressbook/bob.vcf'))).body).toContain('FN:Bob Example');
    const listing = await curl('PROPFIND', shared());
    expect(listing.body).toContain('/groups/family/calendar/');
    // Alice's own calendar is hers alone; Carol may not use the calendar at all.
    expect((await curl('PROPFIND', calendarUrl(), undefined, 'bob')).status).toBe(403);
    expect((await curl('GET', shared('calendar/dinner.ics'), undefined, 'carol')).status).toBe(401);

    await api.peers.update({ id: peers.bob!.id, groups: [] });
    await settleChanges();
    expect((await curl('GET', shared('calendar/dinner.ics'), undefined, 'bob')).status).toBe(403);
    expect((await curl('PROPFIND', `https://calendar.cell:${HTTPS_PORT}/bob/`, undefined, 'bob')).status).toBe(207);

    await api.peers.setEnabled({ id: peers.alice!.id, enabled: false });
    await settleChanges();
    expect((await curl('GET', shared('calendar/dinner.ics'))).status).toBe(401);
    await api.peers.setEnabled({ id: peers.alice!.id, enabled: true });
    await settleChanges();
    expect((await curl('GET', shared('calendar/dinner.ics'))).status).toBe(200);

    // From the peers' own tunnel addresses (given to loopback here), Caddy admits Alice and
    // refuses Carol, whom the firewall does not let use the calendar.
    const address = async (name: string) =>
      (await api.peers.list({})).items.find((p) => p.id === peers[name]!.id)!.address;
    const [alice, carol] = [await address('alice'), await address('carol')];
    await run('ip', ['addr', 'add', `${alice}/32`, 'dev', 'lo']);
    await run('ip', ['addr', 'add', `${carol}/32`, 'dev', 'lo']);
    try {
      await expect
        .poll(async () => (await curl('GET', shared('calendar/dinner.ics'), undefined, 'carol', carol)).body)
        .toContain('Only for the peers allowed to use this service.');
      expect((await curl('GET', shared('calendar/dinner.ics'), undefined, 'alice', alice)).status).toBe(200);
    } finally {
      await run('ip', ['addr', 'del', `${alice}/32`, 'dev', 'lo']);
      await run('ip', ['addr', 'del', `${carol}/32`, 'dev', 'lo']);
    }

    // Clients that start from the well-known address are sent to the root.
    expect((await curl('GET', `https://calendar.cell:${HTTPS_PORT}/.well-known/caldav`)).status).toBe(301);
    expect((await curl('GET', `https://calendar.cell:${HTTPS_PORT}/.well-known/carddav`)).status).toBe(301);
  }, 120_000);

  it('an update whose health check fails leaves the old version serving, and says why', async () => {
    await publish(
      offer('3.1.9', images.v2!, {
        kind: 'http',
        port: 5232,
        path: '/nope',
        status: 200,
        intervalSeconds: 1,
        timeoutSeconds: 2,
      }),
    );
    expect((await admin(db).store.installed())[0]?.update).toEqual({ version: '3.1.9' });
    const { operationId } = await updateService(db, { instanceId: 'calendar' }, { healthTries: 3 });
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.state).toBe('failed');
    expect(op.error).toMatch(
      /^health: 3\.1\.9 did not pass its health check: \/nope answered 401, not 200; 3\.1\.8 keeps serving/,
    );
    const [installed] = await admin(db).store.installed();
    expect(installed).toMatchObject({ version: '3.1.8', image: images.v1, state: 'installed', address: '172.29.6.20' });
    expect((await snapshot()).containers).toEqual(['/cell-svc-calendar']);
    expect((await curl('GET', calendarUrl('dinner.ics'))).body).toContain('SUMMARY:Family dinner');
  }, 180_000);

  it('a healthy update switches to the new container, with no second one left and the data kept', async () => {
    await publish(offer('3.2.0', images.v2!));
    const { operationId } = await updateService(db, { instanceId: 'calendar' });
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.error).toBeNull();
    expect(op.steps.at(-1)).toMatchObject({ name: 'switch', state: 'done', detail: '3.1.8 → 3.2.0' });
    const [installed] = await admin(db).store.installed();
    // The new version took the highest free address, away from where installs take theirs.
    expect(installed).toMatchObject({
      version: '3.2.0',
      image: images.v2,
      update: null,
      address: '172.29.6.254',
      container: { running: true },
    });
    expect((await snapshot()).containers).toEqual(['/cell-svc-calendar']);
    expect((await engine.docker.getContainer('cell-svc-calendar').inspect()).Config.Image).toBe(images.v2);
    await expect
      .poll(async () => (await curl('GET', calendarUrl('dinner.ics'))).body, { timeout: 15_000 })
      .toContain('SUMMARY:Family dinner');
    // Reconciling now changes nothing: the renamed container is what the row asks for.
    const { reconcileServices } = await import('@/server/managers/store');
    expect((await reconcileServices(db)).actions).toEqual([]);
  }, 180_000);

  it('through a registry mirror, an image named by a registry the cell cannot reach is verified and installed', async () => {
    // The publisher's registry (registry.invalid) is out of reach; the mirror holds a copy, signature included.
    const digest = images.v1!.split('@')[1]!;
    await run(
      'skopeo',
      [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${registry.address}/pic/radicale@${digest}`,
        `docker://${registry.address}/pic/mirrored:3.1.8`,
      ],
      { env: { ...process.env, HOME: '/tmp' } },
    );
    await attachSignature(`http://${registry.address}`, 'pic/mirrored', digest, publisher.privateKey, {
      reference: 'registry.invalid/pic/mirrored',
    });
    const upstream = `registry.invalid/pic/mirrored:3.1.8@${digest}`;
    await publish(offer('3.2.0', images.v2!), { ...offer('1.0.0', upstream), id: 'notes', routes: [] });
    process.env.PIC_REGISTRY_MIRROR = `http://${registry.address}`;
    try {
      const { operationId } = await admin(db).store.install({ id: 'notes' });
      await operationDone(operationId);
      const op = await admin(db).store.operation({ operationId });
      expect(op.error).toBeNull();
      expect(op.steps.find((s) => s.name === 'pull')?.detail).toBe('pulled');
      const notes = (await admin(db).store.installed()).find((i) => i.id === 'notes');
      expect(notes).toMatchObject({ image: upstream, state: 'installed', container: { running: true } });
      // The engine runs the same digest, fetched from the mirror.
      expect((await engine.docker.getContainer('cell-svc-notes').inspect()).Config.Image).toBe(
        `${registry.address}/pic/mirrored@${digest}`,
      );
      const removed = removeService(db, { instanceId: 'notes', keepData: false });
      await operationDone(removed.operationId);
      expect((await snapshot()).volumes).not.toContain('cell-svc-notes-data');
    } finally {
      delete process.env.PIC_REGISTRY_MIRROR;
    }
  }, 180_000);

  it('an install on an engine without cell-network yet makes it first', async () => {
    const removed = removeService(db, { instanceId: 'calendar', keepData: false });
    await operationDone(removed.operationId);
    await engine.docker.getNetwork('cell-network').remove();
    const { operationId } = await admin(db).store.install({ id: 'calendar' });
    await operationDone(operationId);
    expect((await admin(db).store.operation({ operationId })).error).toBeNull();
    expect((await engine.docker.getNetwork('cell-network').inspect()).IPAM?.Config?.[0]?.Subnet).toBe(SUBNET);
  }, 180_000);

  it("files: each peer's own folder and its group's shared one over WebDAV through Caddy; nobody else's", async () => {
    await publish(offer('3.2.0', images.v2!), filesOffer());
    const { operationId } = await admin(db).store.install({ id: 'files' });
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.error).toBeNull();
    const api = admin(db);
    const family = (await api.groups.list()).find((g) => g.name === 'Family')!;
    await api.groups.update({ id: family.id, services: ['web', 'calendar', 'files'] });
    await api.peers.update({ id: peers.bob!.id, groups: [family.id] });
    await settleChanges();
    expect((await api.store.accounts.list({ instanceId: 'files' })).map((a) => a.username)).toEqual(['alice', 'bob']);
    await resetPassword('alice', 'files');
    await resetPassword('bob', 'files');

    const at = (p: string) => `https://files.cell:${HTTPS_PORT}/${p}`;
    expect((await curl('PUT', at('alice/notes.txt'), 'for alice only\n')).status).toBe(201);
    const mine = await curl('PROPFIND', at('alice/'));
    expect(mine.status).toBe(207);
    expect(mine.body).toContain('/alice/notes.txt');
    expect((await curl('GET', at('alice/notes.txt'), undefined, 'bob')).status).toBe(403);
    expect((await curl('PROPFIND', at('alice'), undefined, 'bob')).status).toBe(403);
    expect((await curl('PUT', at('groups/family/list.txt'), 'milk, eggs\n', 'bob')).status).toBe(201);
    expect((await curl('GET', at('groups/family/list.txt'))).body).toContain('milk, eggs');
    // The top is for listing only, and Carol has no account.
    expect(await curl('PUT', at('stray.txt'), 'x')).toMatchObject({ status: 403 });
    expect((await curl('GET', at('alice/notes.txt'), undefined, 'carol')).status).toBe(401);
  }, 180_000);

  it('mail: accounts made by its own commands; a real IMAP login and a submission on 587; disabled and removed peers lose theirs', async () => {
    const mail = bundledManifests().find((m) => m.id === 'mail')!;
    // docker-mailserver's account commands, served by Postfix and Dovecot built here; reached on the cell network.
    const offered = {
      ...mail,
      image: images.mail!,
      ports: mail.ports.map((p) => ({ ...p, publish: null })),
      healthCheck: { kind: 'tcp', port: 25, intervalSeconds: 1, timeoutSeconds: 2 },
    };
    await publish(offer('3.2.0', images.v2!), filesOffer(), offered);
    const api = admin(db);
    const { operationId } = await api.store.install({
      id: 'mail',
      answers: { POSTMASTER_ADDRESS: 'postmaster@home.home.arpa' },
    });
    await operationDone(operationId);
    const op = await api.store.operation({ operationId });
    expect(op.error).toBeNull();
    // The mail server made its DKIM key at install; its record was read back.
    expect(op.steps.find((s) => s.name === 'configure')?.detail).toBe('1 command run, 1 read');
    // Alice and Bob are in Family, which may not use mail yet: no account until it may.
    expect(op.steps.find((s) => s.name === 'accounts')?.detail).toBe('0 accounts');
    expect(op.steps.find((s) => s.name === 'certificate')).toMatchObject({
      state: 'done',
      detail: "from the cell's CA for mail.home.home.arpa",
    });
    // As docker-mailserver wants it: its full host name, and its certificate there before it first
    // started (the stand-in, like it, refuses to start with SSL_TYPE=manual and no file).
    expect(op.steps.find((s) => s.name === 'container')?.detail).toMatch(
      /started \([0-9a-f]{12}\), its certificate for mail\.home\.home\.arpa in place before it started$/,
    );
    const made = await engine.docker.getContainer('cell-svc-mail').inspect();
    expect(made.Config.Env).toEqual(
      expect.arrayContaining([
        'OVERRIDE_HOSTNAME=mail.home.home.arpa',
        'SSL_TYPE=manual',
        'SSL_CERT_PATH=/tmp/docker-mailserver/ssl/cert.pem',
      ]),
    );
    expect(made.RestartCount).toBe(0);
    const family = (await api.groups.list()).find((g) => g.name === 'Family')!;
    await api.groups.update({ id: family.id, services: ['web', 'calendar', 'files', 'mail'] });
    await settleChanges();
    expect((await api.store.accounts.list({ instanceId: 'mail' })).map((a) => a.username)).toEqual(['alice', 'bob']);
    await resetPassword('alice', 'mail');
    await resetPassword('bob', 'mail');

    const address = (await api.store.installed()).find((s) => s.id === 'mail')!.address;
    const mailCurl = (args: string[], user: string) =>
      run(
        'curl',
        ['-sS', '-k', '--max-time', '20', '--user', `${user}@home.home.arpa:${passwords[`mail:${user}`]}`, ...args],
        {
          encoding: 'utf8',
        },
      );
    const message = [
      'From: alice@home.home.arpa',
      'To: bob@home.home.arpa',
      'Subject: Dinner at eight',
      '',
      'See you.',
      '',
    ].join('\r\n');
    const messageFile = path.join(dir, 'message.eml');
    /** `from` signs in on 587 and sends `text` to `to`; then `reader`'s first message is awaited. */
    const deliver = async (from: string, to: string, text: string, reader: string) => {
      fs.writeFileSync(messageFile, text);
      const at = (user: string) => `${user}@home.home.arpa`;
      await mailCurl(
        [
          `smtp://${address}:587`,
          '--ssl-reqd',
          '--mail-from',
          at(from),
          '--mail-rcpt',
          at(to),
          '--upload-file',
          messageFile,
        ],
        from,
      );
      const firstMessage = async () =>
        (
          await mailCurl([`imaps://${address}:993/INBOX;UID=1`], reader).catch((e: { stderr: string }) => ({
            stdout: e.stderr,
          }))
        ).stdout;
      await expect.poll(firstMessage, { timeout: 20_000 }).toContain(text.split('\r\n')[2]!);
    };
    await deliver('alice', 'bob', message, 'bob');
    // IMAP presents the certificate from the cell's CA: verified against the cell's root, no -k.
    const rootFile = path.join(dir, 'cell-root.pem');
    fs.writeFileSync(rootFile, (await rootCertificate(db)).pem);
    const verified = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '20',
        '--cacert',
        rootFile,
        '--resolve',
        `mail.home.home.arpa:993:${address}`,
        '--user',
        `bob@home.home.arpa:${passwords['mail:bob']}`,
        'imaps://mail.home.home.arpa:993/',
      ],
      { encoding: 'utf8' },
    );
    expect(verified.stdout).toContain('INBOX');
    // An alias delivers to the group's members: family@ reaches Alice as well as Bob.
    const familyAlias = await api.store.aliases.create({ instanceId: 'mail', name: 'family', groupIds: [family.id] });
    expect(familyAlias).toMatchObject({ recipients: ['alice@home.home.arpa', 'bob@home.home.arpa'], applied: true });
    const forFamily = message.replace('To: bob@', 'To: family@').replace('Dinner at eight', 'For the family');
    await deliver('bob', 'family', forFamily, 'alice');
    // Signing in with a wrong password fails: the login above was real.
    passwords['mail:carol'] = 'wrong';
    await expect(mailCurl([`imaps://${address}:993/`], 'carol')).rejects.toMatchObject({ code: 67 });

    await api.peers.setEnabled({ id: peers.alice!.id, enabled: false });
    await settleChanges();
    await expect(mailCurl([`imaps://${address}:993/`], 'alice')).rejects.toMatchObject({ code: 67 });
    await api.peers.setEnabled({ id: peers.alice!.id, enabled: true });
    await api.peers.remove({ id: peers.bob!.id });
    await settleChanges();
    expect((await api.store.accounts.list({ instanceId: 'mail' })).map((a) => a.username)).toEqual(['alice']);
    // The domain's zone holds what mail needs, and named-checkzone reads it; mail clients get their settings.
    const zone = path.join(dir, 'config', 'dns', 'home.home.arpa.internal.zone');
    await expect.poll(() => fs.readFileSync(zone, 'utf8')).toMatch(/^@\t300\tIN\tMX\t10 mail\t/m);
    expect(fs.readFileSync(zone, 'utf8')).toContain(`mail\t300\tIN\tA\t${address}\t`);
    expect(fs.readFileSync(zone, 'utf8')).toMatch(/^mail\._domainkey\t300\tIN\tTXT\t"v=DKIM1; h=sha256; k=rsa; p=MII/m);
    await run('named-checkzone', ['-k', 'fail', '-n', 'fail', 'home.home.arpa', zone]);
    const autoconfig = mailAutoconfig(db)!;
    const parsed = await run(
      'python3',
      [
        '-c',
        'import sys, xml.etree.ElementTree as E; d = E.fromstring(sys.argv[1]); print(" ".join(h.text for h in d.iter("hostname")))',
        autoconfig,
      ],
      { encoding: 'utf8' },
    );
    expect(parsed.stdout.trim()).toBe('mail.home.home.arpa mail.home.home.arpa');
    const profile = await profileModel(db, peers.alice!.userId);
    expect(profile.mail).toEqual({
      name: 'Mail',
      host: 'mail.home.home.arpa',
      email: 'alice@home.home.arpa',
      username: 'alice@home.home.arpa',
    });

    // The public side: each record as the domain's provider takes it, checked against a DNS
    // server standing in for public DNS that has some of them, one with another address.
    await api.dns.updateSettings({ publicAddress: '198.51.100.7' });
    const dnsPort = String(15300 + (process.pid % 200));
    const publicDns = spawn(
      'dnsmasq',
      [
        '-k',
        '--no-resolv',
        '--no-hosts',
        `--port=${dnsPort}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        // Names in the domain that it does not hold do not exist (as public DNS says so).
        '--local=/home.home.arpa/',
        '--mx-host=home.home.arpa,mail.home.home.arpa,10',
        '--txt-record=home.home.arpa,v=spf1 mx -all',
        '--srv-host=_imaps._tcp.home.home.arpa,mail.home.home.arpa,993,0,1',
        '--address=/mail.home.home.arpa/198.51.100.9',
      ],
      { stdio: 'ignore' },
    );
    process.env.PIC_PUBLIC_RESOLVERS = `127.0.0.1:${dnsPort}`;
    try {
      await new Promise((r) => setTimeout(r, 500));
      const view = await api.store.records({ instanceId: 'mail', check: true });
      const dkim = view.records.at(-1)!.value!;
      expect(dkim).toMatch(/^v=DKIM1; h=sha256; k=rsa; p=MII[A-Za-z0-9+/]{300,}={0,2}$/);
      expect(view.publicAddress).toBe('198.51.100.7');
      expect(view.records.map((r) => [r.name, r.type, r.value, r.public?.state])).toEqual([
        ['mail.home.home.arpa.', 'A', '198.51.100.7', 'different'],
        ['home.home.arpa.', 'MX', '10 mail.home.home.arpa.', 'present'],
        ['home.home.arpa.', 'TXT', 'v=spf1 mx -all', 'present'],
        ['_dmarc.home.home.arpa.', 'TXT', 'v=DMARC1; p=quarantine; rua=mailto:postmaster@home.home.arpa', 'missing'],
        ['_imaps._tcp.home.home.arpa.', 'SRV', '0 1 993 mail.home.home.arpa.', 'present'],
        ['_submission._tcp.home.home.arpa.', 'SRV', '0 1 587 mail.home.home.arpa.', 'missing'],
        ['mail._domainkey.home.home.arpa.', 'TXT', dkim, 'missing'],
      ]);
      expect(view.records[0]!.public).toEqual({ state: 'different', seen: ['198.51.100.9'] });
    } finally {
      publicDns.kill();
      delete process.env.PIC_PUBLIC_RESOLVERS;
    }

    const left = await runtimeOf(db).engine.exec('cell-svc-mail', [
      'cat',
      '/tmp/docker-mailserver/postfix-accounts.cf',
    ]);
    expect(left.stdout).toMatch(/^alice@home\.home\.arpa:\{SHA512-CRYPT\}/m);
    expect(left.stdout).not.toContain('bob@');
    // Bob was removed: the alias now delivers to Alice only.
    const aliasMap = await runtimeOf(db).engine.exec('cell-svc-mail', [
      'cat',
      '/tmp/docker-mailserver/postfix-virtual.cf',
    ]);
    expect(aliasMap.stdout).toBe('family@home.home.arpa alice@home.home.arpa\n');

    // Removed keeping its data and installed again: Alice's password opens the mailbox kept, and
    // nothing is made twice (docker-mailserver refuses to add an account it has). Her account was
    // locked while she was disabled: a reset gives her a password first.
    await resetPassword('alice', 'mail');
    const removed = removeService(db, { instanceId: 'mail', keepData: true });
    await operationDone(removed.operationId);
    expect((await api.store.operation(removed)).state).toBe('succeeded');
    const again = await api.store.install({ id: 'mail', answers: { POSTMASTER_ADDRESS: 'postmaster@home.home.arpa' } });
    await operationDone(again.operationId);
    const reinstalled = await api.store.operation(again);
    expect(reinstalled.error).toBeNull();
    expect(reinstalled.steps.find((s) => s.name === 'volumes')?.detail).toMatch(
      /^0 made, \d+ kept from before, 1 account as they were$/,
    );
    expect(reinstalled.steps.find((s) => s.name === 'accounts')?.detail).toBe('1 account');
    expect(await api.store.aliases.list({ instanceId: 'mail' })).toMatchObject([
      { name: 'family', recipients: ['alice@home.home.arpa'], applied: true },
    ]);
    const back = (await api.store.installed()).find((s) => s.id === 'mail')!.address;
    const kept = await mailCurl([`imaps://${back}:993/INBOX;UID=1`], 'alice');
    expect(kept.stdout).toContain('For the family');
  }, 240_000);
});

/**
 * A zone's SOA serial only moves forward (CoreDNS reloads a zone when it does), so a zone
 * taken back to what it said has a higher serial: everything else must be as it was.
 */
const sameSerial = (text: string) => text.replace(/(\tSOA\t\S+ \S+ \( )\d+/g, '$1<serial>');

/** A one-file tar archive (ustar), for putArchive. */
async function tarOf(name: string, content: string): Promise<Buffer> {
  const folder = fs.mkdtempSync('/tmp/pic-tar-');
  fs.writeFileSync(path.join(folder, name), content);
  const { stdout } = await promisify(execFile)('tar', ['-C', folder, '-c', name], { encoding: 'buffer' });
  fs.rmSync(folder, { recursive: true, force: true });
  return stdout;
}
