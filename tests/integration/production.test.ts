/**
 * The cell as the README's Production section runs it, end to end on an engine of its own:
 * `install.sh` builds every image from Debian packages and starts the server's container
 * with the engine socket and a host data folder (docker/compose.yaml); the server reconciles
 * the stack and joins cell-network; the admin app answers through Caddy over HTTPS with the
 * cell's root; a "laptop" namespace brings up a tunnel with a downloaded config to the
 * published port, pings the cell, resolves names through the tunnel and opens the admin app
 * inside it. Then install.sh again (an upgrade that keeps the data), and a restarted engine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellClient } from '../helpers/cell-client';
import { DEBIAN_IMAGE_INSTALL, DEBIAN_IMAGE_TOOLS, debianImages } from '../helpers/debian-images';
import { ENGINE_INSTALL, ENGINE_TOOLS, startEngine, type TestEngine } from '../helpers/engine';
import { inNs, requireTools, statusInNs } from '../helpers/netns';
import {
  PEBBLE_INSTALL,
  PEBBLE_TOOLS,
  servedCertificate,
  servedFor,
  servedLeaf,
  startPebble,
  type Pebble,
} from '../helpers/pebble';
import { eventually } from '../helpers/wait';

const ready = requireTools(
  'production suite',
  [
    ...ENGINE_TOOLS,
    ...DEBIAN_IMAGE_TOOLS,
    'docker-compose',
    'wg',
    'wireguard-go',
    'dig',
    'curl',
    'ss',
    ...PEBBLE_TOOLS,
  ],
  `${ENGINE_INSTALL} ${DEBIAN_IMAGE_INSTALL} ${PEBBLE_INSTALL} docker-compose wireguard-tools wireguard-go bind9-dnsutils iproute2`,
);

const run = promisify(execFile);
/** The host's side of the laptop's link, where the stack publishes its ports: addresses of our own. */
const HOST_SIDE = '10.214.0.1';
const LAPTOP_SIDE = '10.214.0.2';
const LAPTOP = 'pic-prod-laptop';
const ADMIN = { username: 'admin', password: 'correct horse battery' };
/** Pebble (Let's Encrypt's test ACME server) on the host side, where cell-caddy reaches it and it reaches port 80. */
const PEBBLE_PORTS = { acme: 14000, mgmt: 15000, dns: 8053, challMgmt: 8055 };
const DOMAIN = 'cell.example.test';

describe.skipIf(!ready)(
  'production: install.sh, the server in its container, the UI through Caddy, a real tunnel',
  () => {
    let engine: TestEngine;
    let data: string;
    let env: NodeJS.ProcessEnv;
    let installOutput = '';
    let root = '';
    let pebble: Pebble | undefined;
    let pebbleDir = '';
    const local = new CellClient('http://127.0.0.1:3000');
    const overHttps = () => new CellClient('https://home.cell', { ca: root, connect: HOST_SIDE });

    const install = async (...args: string[]) => {
      const { stdout, stderr } = await run(
        'bash',
        ['install.sh', '--data', data, ...(args.length ? args : ['--images', 'debian'])],
        {
          env,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return `${stdout}\n${stderr}`;
    };
    const docker = (...args: string[]) => execFileSync('docker', args, { env, encoding: 'utf8' }).trim();
    /** curl on the laptop, trusting the cell's root (what a phone that installed it does). */
    const laptopCurl = async (args: string[]) => {
      const caFile = path.join(data, '..', `pic-prod-root-${process.pid}.pem`);
      fs.writeFileSync(caFile, root);
      try {
        return await statusInNs(LAPTOP, ['curl', '-sS', '--max-time', '10', '--cacert', caFile, ...args]);
      } finally {
        fs.rmSync(caFile);
      }
    };
    /** The admin app's health from the laptop, through the tunnel, verified against the cell's root. */
    const uiInTunnel = (address: string) =>
      laptopCurl(['--resolve', `home.cell:443:${address}`, 'https://home.cell/api/health']);

    beforeAll(async () => {
      engine = await startEngine();
      data = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-prod-data-'));
      execFileSync('ip', ['link', 'add', 'pprodh', 'type', 'veth', 'peer', 'name', 'pprodl']);
      execFileSync('ip', ['netns', 'add', LAPTOP]);
      execFileSync('ip', ['link', 'set', 'pprodl', 'netns', LAPTOP]);
      execFileSync('ip', ['addr', 'add', `${HOST_SIDE}/30`, 'dev', 'pprodh']);
      execFileSync('ip', ['link', 'set', 'pprodh', 'up']);
      await inNs(LAPTOP, ['ip', 'addr', 'add', `${LAPTOP_SIDE}/30`, 'dev', 'pprodl']);
      await inNs(LAPTOP, ['ip', 'link', 'set', 'pprodl', 'up']);
      await inNs(LAPTOP, ['ip', 'link', 'set', 'lo', 'up']);
      // CoreDNS has no Debian package: the tests' cell-dns is a stand-in that serves the same zones.
      const standin = await debianImages(engine, ['coredns-standin']);
      pebbleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-prod-pebble-'));
      pebble = await startPebble({
        dir: pebbleDir,
        address: HOST_SIDE,
        ports: PEBBLE_PORTS,
        httpPort: 80,
        tlsPort: 443,
      });
      env = {
        ...process.env,
        DOCKER_HOST: `unix://${engine.socket}`,
        PIC_IMAGE_CACHE: process.env.PIC_IMAGE_CACHE || path.join(os.tmpdir(), 'pic-image-cache'),
        PIC_PUBLISH_ADDRESS: HOST_SIDE,
        // The http01 mode's ACME server; install.sh copies its root into the data folder.
        PIC_ACME_DIRECTORY: pebble.directory,
        PIC_ACME_CA_ROOT: pebble.tls,
        ...standin,
      };
      installOutput = await install();
    }, 900_000);

    afterAll(async () => {
      pebble?.stop();
      try {
        execFileSync('ip', ['netns', 'pids', LAPTOP], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .forEach((pid) => process.kill(Number(pid)));
      } catch {
        /* no processes */
      }
      for (const cmd of [
        ['netns', 'del', LAPTOP],
        ['link', 'del', 'pprodh'],
      ])
        try {
          execFileSync('ip', cmd, { stdio: 'ignore' });
        } catch {
          /* already gone */
        }
      await engine?.destroy();
      fs.rmSync(data, { recursive: true, force: true });
      if (pebbleDir) fs.rmSync(pebbleDir, { recursive: true, force: true });
    }, 120_000);

    it('install.sh starts the server from its image, healthy, admin port on loopback only, and prints the wizard', async () => {
      expect(installOutput).toMatch(/installed: cell-server runs pic-debian\/cell:[0-9a-f]{16}/);
      expect(installOutput).toContain(`open the setup wizard: https://${HOST_SIDE}/setup`);
      expect(installOutput).toMatch(/setup code: [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4} /);
      expect(installOutput).toMatch(/root's SHA-256 fingerprint is ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
      const info = JSON.parse(docker('inspect', 'cell-server'))[0];
      expect(info.State.Health.Status).toBe('healthy');
      expect(info.Config.User).toBe('10001:100');
      expect(info.HostConfig.PortBindings).toEqual({ '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '3000' }] });
      expect(info.Mounts.find((m: { Destination: string }) => m.Destination === '/data').Source).toBe(data);
      expect(fs.statSync(data).uid).toBe(10001);
      expect(fs.readFileSync(path.join(data, 'compose.env'), 'utf8')).toContain(`PIC_HOST_DATA_DIR=${data}`);
    });

    it('before setup, Caddy serves the wizard over HTTPS with the root install.sh named; from the laptop it takes the setup code', async () => {
      // The root, from the host; its fingerprint is the one install.sh printed.
      root = await (await local.get('/api/vault/root')).text();
      const printed = /fingerprint is ([0-9A-F:]+)/.exec(installOutput)![1];
      expect(new X509Certificate(root).fingerprint256).toBe(printed);
      const code = /setup code: (\S+)/.exec(installOutput)![1]!;
      // Any name, or none at all (a browser opening the bare address), gets setup.cell's certificate from that root.
      const caFile = path.join(pebbleDir, 'cell-root.pem');
      fs.writeFileSync(caFile, root);
      const bare = await eventually(
        () => servedCertificate(`${HOST_SIDE}:443`, null, caFile),
        (o) => servedFor(o, 'setup.cell'),
        60_000,
        1000,
      );
      expect(bare).toContain('Verify return code: 0 (ok)');
      const page = await laptopCurl(['--resolve', `setup.cell:443:${HOST_SIDE}`, 'https://setup.cell/setup']);
      expect(page.code, page.out).toBe(0);
      expect(page.out).toContain('Setup code');
      const redirect = await statusInNs(LAPTOP, [
        'curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{redirect_url}',
        `http://${HOST_SIDE}/setup`,
      ]);
      expect(redirect.out).toBe(`308 https://${HOST_SIDE}/setup`);

      const complete = (...headers: string[]) =>
        laptopCurl([
          '--resolve',
          `setup.cell:443:${HOST_SIDE}`,
          '-w',
          '\n%{http_code}',
          '-H',
          'content-type: application/json',
          ...headers.flatMap((h) => ['-H', h]),
          '--data',
          JSON.stringify({
            json: {
              cellName: 'home',
              domainMode: 'lan',
              timezone: 'UTC',
              adminUsername: ADMIN.username,
              adminPassword: ADMIN.password,
              services: ['dns', 'ntp', 'wireguard'],
            },
          }),
          'https://setup.cell/api/trpc/setup.complete',
        ]);
      // No code, a wrong one, and a claim to be the host itself: refused, naming the field; nothing stored.
      for (const headers of [[], ['x-setup-code: AAAA-BBBB-CCCC'], ['x-forwarded-for: 127.0.0.1']]) {
        const refused = await complete(...headers);
        expect(refused.out.trim().split('\n').pop(), refused.out).toBe('403');
        expect(refused.out).toContain('setupCode');
      }
      expect(await (await local.get('/api/health')).json()).toMatchObject({ setupComplete: false });
      const done = await complete(`x-setup-code: ${code}`);
      expect(done.out.trim().split('\n').pop(), done.out).toBe('200');
      expect(done.out).toContain('"cellName":"home"');
      expect(fs.existsSync(path.join(data, 'secrets', 'setup-code'))).toBe(false);
      // Where the wizard ran, the web app goes on answering, with the certificate already shown.
      const after = await laptopCurl(['--resolve', `setup.cell:443:${HOST_SIDE}`, 'https://setup.cell/api/health']);
      expect(after.out).toContain('"setupComplete":true');
      const leaf = await servedCertificate(`${HOST_SIDE}:443`, null, caFile);
      expect(servedLeaf(leaf)).toBe(servedLeaf(bare));
    }, 120_000);

    it('after the wizard, the server reconciles the stack, joins cell-network, and Caddy serves the admin app over HTTPS', async () => {
      // The root stays: the one the wizard was served with is the one devices install.
      expect(await (await local.get('/api/vault/root')).text()).toBe(root);
      await local.signIn(ADMIN.username, ADMIN.password);
      await local.mutate('wireguard.update', { endpointHost: HOST_SIDE });
      const report = await local.mutate<{
        server: { address: string; action: string };
        components: { container: string; action: string; reason: string }[];
      }>('containers.reconcile', undefined);
      expect(report.server.address).toBe('172.20.0.10');
      for (const c of report.components.filter((x) => x.container !== 'cell-dhcp'))
        expect([c.container, c.action]).toEqual([c.container, expect.stringMatching(/^(created|unchanged|started)$/)]);
      // The UI through Caddy, verified against the root, once the cell's own config replaced the setup site.
      const deadline = Date.now() + 60_000;
      let health: { status?: string; setupComplete?: boolean } = {};
      while (Date.now() < deadline) {
        health = await overHttps()
          .fetch('/api/health')
          .then((r) => (r.ok ? r.json() : {}))
          .catch(() => ({}));
        if (health.setupComplete) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      // What a failure needs to be understood: which containers run, what Caddy and the server said.
      if (!health.setupComplete)
        console.error(
          docker('ps', '-a'),
          docker('logs', '--tail', '30', 'cell-caddy'),
          docker('logs', '--tail', '30', 'cell-server'),
        );
      expect(health).toMatchObject({ status: 'ok', setupComplete: true });
      const admin = overHttps();
      await admin.signIn(ADMIN.username, ADMIN.password);
      expect(await admin.query('account.me')).toMatchObject({ username: 'admin', role: 'admin' });
    }, 180_000);

    it('a laptop brings up the tunnel from its downloaded config, pings the cell, resolves names and opens the UI inside it', async () => {
      const admin = overHttps();
      await admin.signIn(ADMIN.username, ADMIN.password);
      const peer = await admin.mutate<{ id: number; address: string }>('peers.create', {
        name: 'laptop',
        routingPolicy: 'cell',
      });
      const config = await (await admin.get(`/api/peers/${peer.id}/config`)).text();
      expect(config).toContain(`Endpoint = ${HOST_SIDE}:51820`);
      // wg-quick's keys go to ip; the rest is what `wg setconf` takes.
      const address = /^Address = (.+)$/m.exec(config)![1]!.split(',')[0]!.trim();
      const allowed = /^AllowedIPs = (.+)$/m
        .exec(config)![1]!
        .split(',')
        .map((s) => s.trim());
      const dns = /^DNS = (.+)$/m.exec(config)![1]!.split(',')[0]!.trim();
      const stripped = config
        .split('\n')
        .filter((l) => !/^(Address|DNS|MTU)\s*=/.test(l))
        .join('\n');
      const conf = path.join(data, '..', `pic-prod-laptop-${process.pid}.conf`);
      fs.writeFileSync(conf, stripped, { mode: 0o600 });
      await run('ip', ['netns', 'exec', LAPTOP, 'wireguard-go', 'wgprod'], {
        env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
      });
      await inNs(LAPTOP, ['wg', 'setconf', 'wgprod', conf]);
      fs.rmSync(conf);
      await inNs(LAPTOP, ['ip', 'addr', 'add', address, 'dev', 'wgprod']);
      await inNs(LAPTOP, ['ip', 'link', 'set', 'wgprod', 'up']);
      for (const net of allowed) await inNs(LAPTOP, ['ip', 'route', 'replace', net, 'dev', 'wgprod']);

      const ping = await statusInNs(LAPTOP, ['ping', '-c', '3', '-W', '2', dns]);
      expect(ping.code, ping.out).toBe(0);
      const name = await inNs(LAPTOP, ['dig', '+short', '+time=2', '+tries=3', `@${dns}`, 'laptop.cell']);
      expect(name.trim()).toBe(peer.address);
      const ui = (await inNs(LAPTOP, ['dig', '+short', '+time=2', `@${dns}`, 'home.cell'])).trim();
      expect(ui).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const page = await uiInTunnel(ui);
      expect(page.code, page.out).toBe(0);
      expect(JSON.parse(page.out)).toMatchObject({ status: 'ok', setupComplete: true });
    }, 120_000);

    it('http01: cell-caddy in its container gets the domain a certificate from Pebble through the published port 80', async () => {
      expect(fs.readFileSync(path.join(data, 'compose.env'), 'utf8')).toContain(
        `PIC_ACME_DIRECTORY=${pebble!.directory}\nPIC_ACME_CA_ROOT=/data/acme-root.pem\n`,
      );
      // Asked for through Caddy, as a phone would: the answer survives the reload it causes.
      const admin = overHttps();
      await admin.signIn(ADMIN.username, ADMIN.password);
      const updated = await admin.mutate<{ apply: { state: string } }>('domain.update', {
        domainMode: 'http01',
        domain: DOMAIN,
        acmeEmail: 'admin@example.test',
      });
      expect(updated.apply).toMatchObject({ state: 'applied' });
      // Pebble's issuing root (not the certificate its API is served with).
      const pebbleRoot = path.join(pebbleDir, 'issuing-root.pem');
      fs.writeFileSync(pebbleRoot, await pebble!.issuingRoot());
      const out = await eventually(
        () => servedCertificate(`${HOST_SIDE}:443`, DOMAIN, pebbleRoot),
        (o) => servedFor(o, DOMAIN),
        90_000,
        1000,
      );
      if (!out.includes(`subject=CN = ${DOMAIN}`)) console.error(docker('logs', '--tail', '40', 'cell-caddy'));
      expect(out).toContain('Verify return code: 0 (ok)');
      expect(out).toMatch(/issuer=.*Pebble Intermediate CA/);
      expect(out).toContain(`subject=CN = ${DOMAIN}`);
    }, 150_000);

    /** What a peer on the laptop gets through the tunnel: a ping of the cell, its name, the admin app. */
    const throughTunnel = async () => {
      const ping = await statusInNs(LAPTOP, ['ping', '-c', '1', '-W', '2', '10.0.0.1']);
      const name = await statusInNs(LAPTOP, ['dig', '+short', '+time=2', '+tries=1', '@10.0.0.1', 'laptop.cell']);
      const page = await uiInTunnel('10.0.0.1');
      return {
        ping: ping.code === 0,
        name: name.out.trim(),
        ui: page.code === 0 && page.out.includes('"setupComplete":true'),
      };
    };
    const whole = (v: { ping: boolean; name: string; ui: boolean }) => v.ping && v.name === '10.0.0.2' && v.ui;

    it('install.sh again with newer images upgrades in place: the data stays, the wizard is not shown, it says what changed, the tunnel works again', async () => {
      const before = JSON.parse(docker('inspect', 'cell-server'))[0].Image as string;
      env.PIC_IMAGE_REVISION = '2';
      // Settings not given again are the ones the first run was given.
      const given = { ...env };
      for (const k of ['PIC_PUBLISH_ADDRESS', 'PIC_ACME_DIRECTORY', 'PIC_ACME_CA_ROOT']) delete env[k];
      const out = await install('--upgrade', '--images', 'debian').finally(() => (env = given));
      const settings = fs.readFileSync(path.join(data, 'compose.env'), 'utf8');
      expect(settings).toContain(`PIC_PUBLISH_ADDRESS=${HOST_SIDE}\n`);
      expect(settings).toContain(`PIC_ACME_DIRECTORY=${pebble!.directory}\nPIC_ACME_CA_ROOT=/data/acme-root.pem\n`);
      const after = JSON.parse(docker('inspect', 'cell-server'))[0].Image as string;
      expect(after).not.toBe(before);
      expect(out).toContain(`upgraded: cell-server image ${before.slice(7, 19)} -> ${after.slice(7, 19)}`);
      expect(out).toContain('the cell is set up');
      expect(out).not.toContain('open the setup wizard');
      const admin = new CellClient('http://127.0.0.1:3000');
      await admin.signIn(ADMIN.username, ADMIN.password);
      const list = await admin.query<{ items: { name: string }[] }>('peers.list', {});
      expect(list.items.map((p) => p.name)).toEqual(['laptop']);
      // The new settings name new images for the stack: the server reconciles it onto them.
      const wanted = /^PIC_IMAGE_WIREGUARD=(.+)$/m.exec(fs.readFileSync(path.join(data, 'compose.env'), 'utf8'))![1]!;
      const running = await eventually(
        async () => JSON.parse(docker('inspect', 'cell-wireguard'))[0].Config.Image as string,
        (image) => image === wanted,
        60_000,
      );
      expect(running).toBe(wanted);
      expect(await eventually(throughTunnel, whole, 60_000)).toEqual({ ping: true, name: '10.0.0.2', ui: true });
    }, 600_000);

    it('after the server container restarts, it is healthy again with its data and the tunnel never needed it', async () => {
      docker('restart', '-t', '5', 'cell-server');
      const health = await eventually(
        async () => JSON.parse(docker('inspect', 'cell-server'))[0].State.Health?.Status as string,
        (s) => s === 'healthy',
        120_000,
      );
      expect(health).toBe('healthy');
      const admin = new CellClient('http://127.0.0.1:3000');
      await admin.signIn(ADMIN.username, ADMIN.password);
      expect((await admin.query<{ items: { name: string }[] }>('peers.list', {})).items.map((p) => p.name)).toEqual([
        'laptop',
      ]);
      expect(await eventually(throughTunnel, whole, 60_000)).toEqual({ ping: true, name: '10.0.0.2', ui: true });
    }, 300_000);

    it('after the whole engine restarts, everything comes back by itself and the tunnel carries traffic again', async () => {
      await engine.restart();
      const health = await eventually(
        async () => {
          try {
            return JSON.parse(docker('inspect', 'cell-server'))[0].State.Health?.Status as string;
          } catch {
            return 'missing';
          }
        },
        (s) => s === 'healthy',
        120_000,
      );
      expect(health).toBe('healthy');
      const after = await eventually(throughTunnel, whole, 90_000);
      // What a failure needs to be understood: which containers run, and what cell-dns said.
      if (!whole(after)) console.error(docker('ps', '-a'), docker('logs', '--tail', '40', 'cell-dns'));
      expect(after).toEqual({ ping: true, name: '10.0.0.2', ui: true });
    }, 300_000);
  },
);
