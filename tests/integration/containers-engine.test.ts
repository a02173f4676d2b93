/**
 * The runtime layer against a real Docker Engine (Debian docker.io, started here under a
 * temp dir) with locally imported stand-in images.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bindRuntime, createRuntime, runtimeOf } from '@/server/runtime/runtime';
import { caddyModel } from '@/server/managers/routes/apply';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { health } from '@/server/managers/health';
import { exec, restart, signal, writeConfig } from '@/server/runtime/components';
import { admin, expectCode, freshCell, setUp } from '../helpers/db';
import {
  ENGINE_INSTALL,
  ENGINE_TOOLS,
  importStandin,
  push,
  STANDIN_IMAGES,
  standinEnv,
  startEngine,
  startRegistry,
  type TestEngine,
} from '../helpers/engine';
import { requireTools } from '../helpers/netns';

const ready = requireTools('container engine suite', ENGINE_TOOLS, ENGINE_INSTALL);
const SUBNET = '172.29.0.0/24';

describe.skipIf(!ready)('core stack on a real engine', () => {
  let engine: TestEngine;
  let db: Db;
  let dataDir: string;
  const env = { ...standinEnv(), PIC_CELL_SUBNET: SUBNET, PIC_PUBLISH_ADDRESS: '127.0.0.1' };

  beforeAll(async () => {
    engine = await startEngine();
    await importStandin(engine.docker, Object.values(STANDIN_IMAGES));
    const cell = freshCell();
    db = cell.db;
    dataDir = cell.dir;
    Object.assign(process.env, env, { PIC_DOCKER_SOCKET: engine.socket });
    await setUp(db);
  }, 120_000);

  afterAll(async () => {
    for (const k of Object.keys(env)) delete process.env[k];
    await engine?.destroy();
  }, 60_000);

  const inspect = (name: string) => engine.docker.getContainer(name).inspect();
  const idsOf = async () =>
    Object.fromEntries((await engine.docker.listContainers({ all: true })).map((c) => [c.Names[0]!.slice(1), c.Id]));

  it('reconciles from empty: the network and every enabled component, with address, labels, mounts and capabilities', async () => {
    const report = await admin(db).containers.reconcile();
    expect(report.network).toMatchObject({ name: 'cell-network', subnet: SUBNET, action: 'created' });
    expect(report.components.map((c) => [c.container, c.action])).toEqual([
      ['cell-caddy', 'created'],
      ['cell-dns', 'created'],
      ['cell-ntp', 'created'],
      ['cell-wireguard', 'created'],
      ['cell-dhcp', 'absent'],
    ]);
    const net = await engine.docker.getNetwork('cell-network').inspect();
    expect(net.IPAM?.Config?.[0]?.Subnet).toBe(SUBNET);

    const wg = await inspect('cell-wireguard');
    expect(wg.State.Running).toBe(true);
    expect(wg.NetworkSettings.Networks['cell-network']!.IPAddress).toBe('172.29.0.5');
    expect(wg.Config.Labels).toMatchObject({ 'cell.managed': 'true', 'cell.component': 'wireguard' });
    expect(wg.Config.Labels['cell.spec-hash']).toMatch(/^[a-f0-9]{64}$/);
    expect(wg.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(wg.HostConfig.Privileged).toBe(false);
    expect((wg.HostConfig as { Sysctls?: Record<string, string> }).Sysctls).toMatchObject({
      'net.ipv4.ip_forward': '1',
    });
    expect(wg.HostConfig.PortBindings).toEqual({ '51820/udp': [{ HostIp: '127.0.0.1', HostPort: '51820' }] });
    expect(wg.Mounts).toEqual([
      expect.objectContaining({
        Type: 'bind',
        Source: path.join(dataDir, 'config', 'wireguard'),
        Destination: '/config',
        RW: true,
      }),
    ]);
    const dns = await inspect('cell-dns');
    expect(dns.NetworkSettings.Networks['cell-network']!.IPAddress).toBe('172.29.0.3');
    expect(dns.Mounts[0]).toMatchObject({ Destination: '/etc/coredns', RW: false });
    // Caddy reads what the cell renders and writes only in its own folder.
    const caddyMounts = (await inspect('cell-caddy')).Mounts;
    expect(caddyMounts.map((m) => [m.Source, m.Destination, m.RW]).sort()).toEqual([
      [path.join(dataDir, 'config', 'caddy'), '/etc/caddy', false],
      [path.join(dataDir, 'state', 'caddy'), '/data', true],
    ]);
  });

  it('a second reconcile creates and recreates nothing: same container IDs', async () => {
    const before = await idsOf();
    const report = await admin(db).containers.reconcile();
    expect(report.changed).toBe(false);
    expect(report.network.action).toBe('unchanged');
    expect(new Set(report.components.map((c) => c.action))).toEqual(new Set(['unchanged', 'absent']));
    expect(await idsOf()).toEqual(before);
  });

  it('a spec change recreates only that component, and says what changed', async () => {
    const before = await idsOf();
    await engine.docker.getImage(STANDIN_IMAGES.ntp).tag({ repo: 'pic-standin/ntp', tag: '2' });
    const { apply } = await admin(db).containers.updateComponent({ component: 'ntp', image: 'pic-standin/ntp:2' });
    // The env override still wins, so nothing changed yet.
    expect(apply.state === 'applied' && apply.report.changed).toBe(false);
    delete process.env.PIC_IMAGE_NTP;
    try {
      const report = await admin(db).containers.reconcile();
      expect(report.components.find((c) => c.component === 'ntp')).toMatchObject({
        action: 'recreated',
        reason: 'changed: image',
      });
      expect(report.components.filter((c) => c.action === 'recreated')).toHaveLength(1);
      const after = await idsOf();
      expect(after['cell-ntp']).not.toBe(before['cell-ntp']);
      for (const name of ['cell-caddy', 'cell-dns', 'cell-wireguard']) expect(after[name]).toBe(before[name]);
      expect((await inspect('cell-ntp')).Config.Image).toBe('pic-standin/ntp:2');
    } finally {
      process.env.PIC_IMAGE_NTP = STANDIN_IMAGES.ntp;
    }
  });

  it('never touches a container without the cell.managed label', async () => {
    const foreign = await engine.docker.createContainer({
      name: 'someone-else',
      Image: STANDIN_IMAGES.caddy,
      Labels: { 'cell.component': 'dns' },
      HostConfig: { NetworkMode: 'none' },
    });
    await foreign.start();
    const squatter = await engine.docker.createContainer({ name: 'cell-dhcp', Image: STANDIN_IMAGES.dhcp });
    for (let i = 0; i < 2; i++) await admin(db).containers.reconcile();
    // Enabling DHCP now meets a container of that name the cell did not make.
    const { apply } = await admin(db).containers.updateComponent({ component: 'dhcp', enabled: true });
    expect(apply.state).toBe('applied');
    const dhcp = apply.state === 'applied' ? apply.report.components.find((c) => c.component === 'dhcp') : undefined;
    expect(dhcp).toMatchObject({ action: 'failed', reason: expect.stringContaining('not managed by the cell') });
    // …and the other components were still reconciled.
    expect(apply.state === 'applied' && apply.report.components.filter((c) => c.action === 'unchanged')).toHaveLength(
      4,
    );
    expect((await foreign.inspect()).State.Running).toBe(true);
    expect((await squatter.inspect()).Id).toBe(squatter.id);
    await squatter.remove({ force: true });
    const { apply: again } = await admin(db).containers.updateComponent({ component: 'dhcp', enabled: false });
    expect(again.state === 'applied' && again.report.components.find((c) => c.component === 'dhcp')?.action).toBe(
      'absent',
    );
    await foreign.remove({ force: true });
  });

  it('a missing image fails that component only, with a clear reason', async () => {
    process.env.PIC_IMAGE_CADDY = 'pic-standin/not-there:1';
    try {
      const report = await admin(db).containers.reconcile();
      expect(report.components.find((c) => c.component === 'caddy')).toMatchObject({
        action: 'failed',
        reason: expect.stringMatching(/image pic-standin\/not-there:1 is not on the engine/),
      });
      expect(report.components.filter((c) => c.action === 'unchanged').map((c) => c.component)).toEqual([
        'dns',
        'ntp',
        'wireguard',
      ]);
      // The old Caddy keeps running until a new one can replace it.
      expect((await inspect('cell-caddy')).State.Running).toBe(true);
    } finally {
      process.env.PIC_IMAGE_CADDY = STANDIN_IMAGES.caddy;
    }
  });

  it('stop, start, restart and logs through the router; stopping a core component needs confirmation', async () => {
    const api = admin(db).containers;
    const refused = await expectCode(api.stop({ id: 'cell-dns' }), 'BAD_REQUEST');
    expect(refused.message).toMatch(/\.cell names stop resolving/);
    expect((await inspect('cell-dns')).State.Running).toBe(true);

    expect(await api.stop({ id: 'cell-dns', confirm: true })).toMatchObject({ name: 'cell-dns', state: 'exited' });
    const list = await api.list();
    expect(list.slice(0, 4).map((c) => c.name)).toEqual(['cell-caddy', 'cell-dns', 'cell-ntp', 'cell-wireguard']);
    expect(list.find((c) => c.name === 'cell-dns')).toMatchObject({ state: 'exited', managed: true, component: 'dns' });
    expect(list.find((c) => c.name === 'cell-caddy')).toMatchObject({ state: 'running', ip: '172.29.0.2' });
    expect(list.find((c) => c.name === 'cell-caddy')!.ports).toContainEqual({
      container: 443,
      host: 443,
      protocol: 'tcp',
      hostIp: '127.0.0.1',
    });

    expect(await api.start({ id: 'cell-dns' })).toMatchObject({ state: 'running' });
    const startedAt = (await inspect('cell-ntp')).State.StartedAt;
    await api.restart({ id: 'cell-ntp' });
    expect((await inspect('cell-ntp')).State.StartedAt).not.toBe(startedAt);

    const logs = await api.logs({ id: 'cell-ntp', tail: 10 });
    expect(logs.filter((l) => /^standin .* started/.test(l.text)).length).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => l.text === 'stopping')).toBe(true);

    const detail = await api.inspect({ id: 'cell-wireguard' });
    expect(detail).toMatchObject({
      component: 'wireguard',
      privileged: false,
      capAdd: ['NET_ADMIN'],
      networks: [{ name: 'cell-network', ip: '172.29.0.5' }],
    });
    await expectCode(api.inspect({ id: 'no-such-container' }), 'NOT_FOUND');
  });

  it('a stopped component is started again by the reconciler', async () => {
    await admin(db).containers.stop({ id: 'cell-caddy', confirm: true });
    const report = await admin(db).containers.reconcile();
    expect(report.components.find((c) => c.component === 'caddy')).toMatchObject({
      action: 'started',
      reason: 'was exited',
    });
    expect((await inspect('cell-caddy')).State.Running).toBe(true);
  });

  it('follows logs as they are written', async () => {
    const seen: string[] = [];
    const controller = new AbortController();
    const following = (async () => {
      const { followLogs } = await import('@/server/managers/containers');
      for await (const line of followLogs(runtimeOf(db).engine, 'cell-dns', 1, controller.signal)) {
        seen.push(line.text);
        if (line.text === 'got SIGUSR1') break;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await signal(runtimeOf(db), 'dns', 'SIGUSR1');
    await following;
    controller.abort();
    expect(seen.at(-1)).toBe('got SIGUSR1');
  });

  it('exec returns exit codes and output; SIGUSR1 reaches the container; restart and config writes work', async () => {
    expect(await exec(runtimeOf(db), 'dns', ['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    expect((await exec(runtimeOf(db), 'dns', ['echo', 'a b; $(nope)'])).stdout).toBe('a b; $(nope)\n');

    await exec(runtimeOf(db), 'caddy', ['sh', '-c', 'rm -f /tmp/sigusr1']);
    await signal(runtimeOf(db), 'caddy', 'SIGUSR1');
    await expect
      .poll(async () => (await exec(runtimeOf(db), 'caddy', ['cat', '/tmp/sigusr1'])).exitCode, { timeout: 5000 })
      .toBe(0);

    const file = writeConfig(runtimeOf(db), 'caddy', 'Caddyfile', ':80 {\n\trespond "hi"\n}\n');
    expect(file).toBe(path.join(dataDir, 'config', 'caddy', 'Caddyfile'));
    expect((await exec(runtimeOf(db), 'caddy', ['cat', '/etc/caddy/Caddyfile'])).stdout).toContain('respond "hi"');
    expect(() => writeConfig(runtimeOf(db), 'caddy', '../dns/Corefile', 'x')).toThrow(/not inside/);

    const before = (await inspect('cell-caddy')).State.StartedAt;
    await restart(runtimeOf(db), 'caddy');
    expect((await inspect('cell-caddy')).State.StartedAt).not.toBe(before);
  });

  it('concurrent reconciles create nothing twice', async () => {
    await engine.docker.getContainer('cell-dns').remove({ force: true });
    await engine.docker.getContainer('cell-ntp').remove({ force: true });
    const reports = await Promise.all([1, 2, 3].map(() => admin(db).containers.reconcile()));
    const created = reports.flatMap((r) => r.components.filter((c) => c.action === 'created').map((c) => c.component));
    expect(created.sort()).toEqual(['dns', 'ntp']);
    const names = (await engine.docker.listContainers({ all: true })).map((c) => c.Names[0]);
    expect(names.filter((n) => n === '/cell-dns')).toHaveLength(1);
    expect(names.filter((n) => n === '/cell-ntp')).toHaveLength(1);
  });

  it('a server in a container joins cell-network with a fixed address as cell-server, and Caddy reaches the UI by that name', async () => {
    const server = await engine.docker.createContainer({ name: 'the-server', Image: STANDIN_IMAGES.caddy });
    await server.start();
    bindRuntime(db, createRuntime(process.env, { deployment: { kind: 'container', container: 'the-server' } }));
    const first = await admin(db).containers.reconcile();
    expect(first.server).toMatchObject({ container: 'the-server', address: '172.29.0.10', action: 'attached' });
    const on = (await server.inspect()).NetworkSettings.Networks['cell-network'] as {
      IPAddress: string;
      Aliases: string[];
    };
    expect(on.IPAddress).toBe('172.29.0.10');
    expect(on.Aliases).toContain('cell-server');
    // Its other networks stay: the admin port on the host is published there.
    expect(Object.keys((await server.inspect()).NetworkSettings.Networks).sort()).toEqual(['bridge', 'cell-network']);
    const again = await admin(db).containers.reconcile();
    expect([again.server?.action, again.changed]).toEqual(['unchanged', false]);
    expect(caddyModel(db).ui.upstream).toBe('cell-server:3000');
    // A server whose container the engine does not know says so, and the stack goes on.
    bindRuntime(db, createRuntime(process.env, { deployment: { kind: 'container', container: 'not-here' } }));
    const lost = await admin(db).containers.reconcile();
    expect(lost.server).toMatchObject({ action: 'failed', reason: expect.stringContaining('not-here') });
    expect(lost.network.action).toBe('unchanged');
    bindRuntime(db, createRuntime(process.env, { deployment: { kind: 'container', container: 'the-server' } }));
  });

  it('a subnet change rebuilds the network and readdresses every component, the server with them', async () => {
    delete process.env.PIC_CELL_SUBNET;
    try {
      const { apply } = await admin(db).containers.updateNetwork({ subnet: '172.29.1.0/24' });
      expect(apply.state === 'applied' && apply.report.network).toMatchObject({
        action: 'recreated',
        subnet: '172.29.1.0/24',
      });
      expect(apply.state === 'applied' && apply.report.components.filter((c) => c.action === 'recreated').length).toBe(
        4,
      );
      expect((await inspect('cell-dns')).NetworkSettings.Networks['cell-network']!.IPAddress).toBe('172.29.1.3');
      expect(apply.state === 'applied' && apply.report.server).toMatchObject({
        address: '172.29.1.10',
        action: 'attached',
      });
      expect((await inspect('the-server')).NetworkSettings.Networks['cell-network']!.IPAddress).toBe('172.29.1.10');
    } finally {
      process.env.PIC_CELL_SUBNET = SUBNET;
    }
    const back = await admin(db).containers.reconcile();
    expect(back.network.action).toBe('recreated');
    expect(back.server).toMatchObject({ address: '172.29.0.10', action: 'attached' });
    await engine.docker.getContainer('the-server').remove({ force: true });
    bindRuntime(db, createRuntime(process.env));
  });

  it('volumes: create, list with users, refuse removing one in use, remove', async () => {
    const api = admin(db).containers.volumes;
    await api.create({ name: 'photos' });
    await expectCode(api.create({ name: 'photos' }), 'CONFLICT');
    const user = await engine.docker.createContainer({
      name: 'vol-user',
      Image: STANDIN_IMAGES.caddy,
      HostConfig: { Mounts: [{ Type: 'volume', Source: 'photos', Target: '/photos' }] },
    });
    expect((await api.list()).find((v) => v.name === 'photos')).toMatchObject({ managed: true, usedBy: ['vol-user'] });
    const refused = await expectCode(api.remove({ name: 'photos' }), 'CONFLICT');
    expect(refused.message).toMatch(/in use by vol-user/);
    await user.remove({ force: true });
    await api.remove({ name: 'photos' });
    expect((await api.list()).some((v) => v.name === 'photos')).toBe(false);
    await expectCode(api.create({ name: 'bad name!' }), 'BAD_REQUEST');
  });

  it('pulls from a registry with progress from the engine', async () => {
    const registry = await startRegistry(5391);
    try {
      const image = `${registry.address}/pic/standin:7`;
      // A layer of its own (the container's changes), so the pull has something to download.
      await exec(runtimeOf(db), 'caddy', ['sh', '-c', 'head -c 300000 /dev/urandom > /tmp/payload']);
      await engine.docker.getContainer('cell-caddy').commit({ repo: `${registry.address}/pic/standin`, tag: '7' });
      await push(engine.docker, image);
      await engine.docker.getImage(image).remove();
      const job = await admin(db).containers.pull({ image });
      expect(job).toMatchObject({ state: 'running', image });
      await expect
        .poll(async () => (await admin(db).containers.pullStatus({ jobId: job.id })).state, { timeout: 20_000 })
        .toBe('done');
      const done = await admin(db).containers.pullStatus({ jobId: job.id });
      expect(done.percent).toBe(100);
      const statuses = Object.values(done.layers).map((l) => l.status);
      expect(statuses).toContain('Pull complete');
      expect(statuses.every((st) => st === 'Pull complete' || st === 'Already exists')).toBe(true);
      expect(done.status).toMatch(/Downloaded newer image|Status: /);
      expect((await admin(db).containers.images()).some((i) => i.tags.includes(image))).toBe(true);
    } finally {
      registry.stop();
    }
  });

  it('an unreachable registry fails the pull with the reason, not a spinner', async () => {
    const job = await admin(db).containers.pull({ image: '127.0.0.1:9/nothing/here:1' });
    await expect
      .poll(async () => (await admin(db).containers.pullStatus({ jobId: job.id })).state, { timeout: 20_000 })
      .toBe('failed');
    expect((await admin(db).containers.pullStatus({ jobId: job.id })).error).toMatch(/connection refused|dial tcp/);
  });

  it('with the engine stopped, runtime procedures answer PRECONDITION_FAILED naming the socket, and health says unreachable', async () => {
    await engine.stop();
    const started = Date.now();
    const err = await expectCode(admin(db).containers.list(), 'PRECONDITION_FAILED');
    expect(err.message).toContain(engine.socket);
    await expectCode(admin(db).containers.reconcile(), 'PRECONDITION_FAILED');
    await expectCode(admin(db).containers.restart({ id: 'cell-dns' }), 'PRECONDITION_FAILED');
    expect(Date.now() - started).toBeLessThan(5000);
    const status = await health(db, runtimeOf(db).engine);
    expect(status.engine).toMatchObject({ reachable: false, socket: engine.socket });
    expect(status.status).toBe('ok');
    // The rest of the cell keeps working.
    expect((await admin(db).settings.get()).cellName).toBe('home');
    expect(fs.existsSync(path.join(dataDir, 'cell.db'))).toBe(true);
  });
});
