/**
 * Real HTTPS: Debian's Caddy on loopback high ports runs the config the cell renders in
 * `lan` mode, signing with the cell's CA; curl trusts only the cell's root.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/server/db';
import { proxyCertificates } from '@/server/db/schema';
import { ensureCa } from '@/server/managers/vault';
import { applyCaddy, loadIntoCaddy } from '@/server/managers/routes/apply';
import { runtimeOf } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../helpers/db';
import { runHostCaddy } from '../helpers/caddy-fixtures';
import { requireTools } from '../helpers/netns';
import { servedCertificate, servedLeaf } from '../helpers/pebble';

const execFileP = promisify(execFile);
const ready = requireTools('the HTTPS suite', ['caddy', 'curl'], 'apt-get install caddy curl');
const base = 21000 + (process.pid % 4000) * 2;
const [HTTP_PORT, HTTPS_PORT] = [base, base + 1];
const DOMAIN = 'home.home.arpa';

describe.skipIf(!ready)('routes served by a real Caddy with the cell CA', () => {
  let db: Db;
  let dir: string;
  let caddy: ChildProcess | undefined;
  let upstream: http.Server;
  let upstreamPort: number;
  let rootFile: string;
  const env = {
    PIC_PROXY_LISTEN: '127.0.0.1',
    PIC_HTTP_PORT: String(HTTP_PORT),
    PIC_HTTPS_PORT: String(HTTPS_PORT),
    PIC_UI_UPSTREAM: '127.0.0.1:9',
    PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
  };

  /**
   * curl with only the cell's root trusted; the host resolves to loopback. Asynchronous:
   * the upstream answers from this same process.
   */
  const get = async (host: string, urlPath = '/', port = HTTPS_PORT) => {
    const { stdout, stderr } = await execFileP(
      'curl',
      [
        '-sS',
        '--max-time',
        '5',
        '--cacert',
        rootFile,
        '--resolve',
        `${host}:${port}:127.0.0.1`,
        '-w',
        '\n%{http_code}',
        `https://${host}:${port}${urlPath}`,
      ],
      { encoding: 'utf8' },
    ).catch((e: { stdout: string; stderr: string }) => e);
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n').trimEnd(), error: stderr };
  };

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    Object.assign(process.env, env, {
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    upstream = http.createServer((req, res) =>
      res.end(`upstream saw ${req.url} from ${req.headers['x-cell-test'] ?? 'nobody'}`),
    );
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
    await setUp(db);
    await ensureCa(db);
    rootFile = path.join(dir, 'root.pem');
    fs.writeFileSync(rootFile, (await admin(db).vault.root()).pem);
  }, 30_000);

  afterAll(async () => {
    caddy?.kill();
    upstream?.close();
    for (const k of [...Object.keys(env), 'PIC_CADDY_CONFIG_ROOT', 'PIC_CADDY_STATE_ROOT']) delete process.env[k];
  });

  it('a route written while Caddy is down is what Caddy serves when it starts', async () => {
    const created = await admin(db).routes.create({
      host: `app.${DOMAIN}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      access: 'public',
      headers: { 'X-Cell-Test': 'the cell' },
    });
    expect(created.apply).toEqual({
      state: 'pending',
      reason: 'cell-caddy is not running; it reads the new config when it starts',
    });
    const config = path.join(dir, 'config', 'caddy', 'caddy.json');
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    caddy = runHostCaddy(dir);
    await expect.poll(() => fs.existsSync(runtimeOf(db).caddy.adminSocket()), { timeout: 10_000 }).toBe(true);
    expect(path.dirname(runtimeOf(db).caddy.adminSocket())).toBe(path.join(dir, 'state', 'caddy'));
    await expect
      .poll(async () => (await get(`app.${DOMAIN}`, '/hello')).body, { timeout: 10_000 })
      .toBe('upstream saw /hello from the cell');
  }, 30_000);

  it('Caddy holds leaf certificates only, each for its own host, never a CA key', async () => {
    const folder = path.join(dir, 'config', 'caddy');
    const files = fs
      .readdirSync(folder, { recursive: true })
      .map(String)
      .filter((f) => fs.statSync(path.join(folder, f)).isFile())
      .sort();
    expect(files).toEqual(
      [
        'caddy.json',
        'tls/app.home.home.arpa.crt',
        'tls/app.home.home.arpa.key',
        'tls/home.cell.crt',
        'tls/home.cell.key',
        `tls/${DOMAIN}.crt`,
        `tls/${DOMAIN}.key`,
        // What a bare address is shown.
        'tls/setup.cell.crt',
        'tls/setup.cell.key',
      ].sort(),
    );
    const text = await execFileP(
      'openssl',
      ['x509', '-noout', '-text', '-in', path.join(folder, 'tls/app.home.home.arpa.crt')],
      { encoding: 'utf8' },
    );
    expect(text.stdout).toContain('CA:FALSE');
    expect(text.stdout).toContain(`DNS:app.${DOMAIN}`);
    expect(text.stdout).toMatch(/CRL Distribution Points:[\s\S]*URI:http:\/\/home\.home\.arpa\/api\/vault\/crl/);
    for (const f of files.filter((n) => n.endsWith('.key')))
      expect(fs.statSync(path.join(folder, f)).mode & 0o777, f).toBe(0o600);
  });

  it('a leaf renewed by the vault pass is what Caddy serves next, though its config reads the same', async () => {
    const served = () => servedCertificate(`127.0.0.1:${HTTPS_PORT}`, `app.${DOMAIN}`, rootFile);
    const before = await served();
    expect(before).toContain('Verify return code: 0 (ok)');
    const config = fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8');
    // Close to its end: the next apply signs it again.
    db.update(proxyCertificates)
      .set({ notAfter: new Date(Date.now() + 60_000) })
      .where(eq(proxyCertificates.host, `app.${DOMAIN}`))
      .run();
    expect(await applyCaddy(db)).toMatchObject({ state: 'applied' });
    expect(fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8')).toBe(config);
    const after = await served();
    expect(after).toContain('Verify return code: 0 (ok)');
    expect(servedLeaf(after)).not.toBe('');
    expect(servedLeaf(after)).not.toBe(servedLeaf(before));
  });

  it('a symbolic link planted in the Caddy folder is not followed by the next apply', async () => {
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'untouched');
    const config = path.join(dir, 'config', 'caddy', 'caddy.json');
    const saved = fs.readFileSync(config, 'utf8');
    fs.rmSync(config);
    fs.symlinkSync(victim, config);
    const r = await admin(db).routes.create({
      host: `linked.${DOMAIN}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      access: 'public',
    });
    expect(r.apply).toMatchObject({ state: 'pending', reason: expect.stringContaining('symbolic link') });
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
    expect(fs.readdirSync(path.join(dir, 'config', 'caddy')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Once the link is gone, the next apply writes a real file again.
    fs.rmSync(config);
    fs.writeFileSync(config, saved);
    await admin(db).routes.remove({ id: r.id });
    expect(fs.lstatSync(config).isSymbolicLink()).toBe(false);
  }, 20_000);

  it('a peers-only route refuses a source outside the tunnel and the cell network', async () => {
    const created = await admin(db).routes.create({
      host: `private.${DOMAIN}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      access: 'peers',
    });
    expect(created.apply).toEqual({ state: 'applied', via: 'loaded into cell-caddy through its admin API' });
    expect(await get(`private.${DOMAIN}`)).toMatchObject({ status: 403, body: 'Only for the cell and its peers.' });
  }, 20_000);

  it('a .cell route with a path gets its name in DNS and its certificate from the cell CA', async () => {
    await admin(db).routes.create({
      host: 'nas.cell',
      path: '/files',
      upstream: `127.0.0.1:${upstreamPort}`,
      access: 'public',
    });
    expect(await get('nas.cell', '/files/a.txt')).toMatchObject({
      status: 200,
      body: 'upstream saw /files/a.txt from nobody',
    });
    expect(await get('nas.cell', '/other')).toMatchObject({ status: 404, body: 'No service at this name.' });
    const names = (await admin(db).dns.records()).automatic.filter((r) => r.name === 'nas');
    expect(names.map((r) => `${r.zone} ${r.value} ${r.owner}`)).toContain('cell 10.0.0.1 route nas.cell');
  }, 20_000);

  it('reserved names, shadowing and foreign hosts are refused; nothing is stored', async () => {
    const count = (await admin(db).routes.list()).routes.length;
    expect(
      (await expectCode(admin(db).routes.create({ host: DOMAIN, upstream: 'x:80', access: 'public' }), 'CONFLICT'))
        .message,
    ).toContain("the cell's own web app");
    expect(
      (await expectCode(admin(db).routes.create({ host: 'home.cell', upstream: 'x:80', access: 'public' }), 'CONFLICT'))
        .message,
    ).toContain("the cell's own web app");
    const shadow = await expectCode(
      admin(db).routes.create({ host: `app.${DOMAIN}`, upstream: 'other:80', access: 'public' }),
      'CONFLICT',
    );
    expect(shadow.message).toBe(`app.${DOMAIN}/ is already routed to 127.0.0.1:${upstreamPort} by route 1`);
    expect(
      (
        await expectCode(
          admin(db).routes.create({ host: 'app.example.com', upstream: 'x:80', access: 'public' }),
          'BAD_REQUEST',
        )
      ).message,
    ).toBe(`A subdomain of ${DOMAIN}, or a .cell name`);
    expect(
      (await expectCode(admin(db).routes.create({ host: 'ntp', upstream: 'x:80', access: 'public' }), 'BAD_REQUEST'))
        .message,
    ).toMatch(/^host: /);
    expect(
      (
        await expectCode(
          admin(db).routes.create({ host: `x.${DOMAIN}`, upstream: 'x', access: 'public' }),
          'BAD_REQUEST',
        )
      ).message,
    ).toMatch(/^upstream: A container or address with a port/);
    expect(
      (
        await expectCode(
          admin(db).routes.create({
            host: `x.${DOMAIN}`,
            upstream: 'x:80',
            access: 'public',
            headers: { 'X-A': 'a\r\nb' },
          }),
          'BAD_REQUEST',
        )
      ).message,
    ).toMatch(/^headers\.X-A: /);
    const placeholder = await expectCode(
      admin(db).routes.create({
        host: `x.${DOMAIN}`,
        upstream: 'x:80',
        access: 'public',
        headers: { 'X-Leak': '{file./etc/passwd}' },
      }),
      'BAD_REQUEST',
    );
    expect(placeholder.message).toBe('headers.X-Leak: No { in header values (Caddy would read it as a placeholder)');
    expect((await admin(db).routes.list()).routes).toHaveLength(count);
  });

  it('a config Caddy refuses is reported with its error, and the previous one keeps serving', async () => {
    // The cell's own config with one handler Caddy does not know (the admin block stays the same).
    const bad = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8'));
    bad.apps.http.servers.cell.routes[0].handle[0].handler = 'nope';
    await expect(loadIntoCaddy(runtimeOf(db).caddy.adminSocket(), JSON.stringify(bad))).rejects.toThrow(
      /Caddy refused the config: .*unknown module: http\.handlers\.nope/,
    );
    // Through the app: an address this host does not have makes Caddy refuse the new config.
    process.env.PIC_PROXY_LISTEN = '192.0.2.1';
    const refused = await admin(db).routes.create({
      host: `later.${DOMAIN}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      access: 'public',
    });
    expect(refused.apply).toMatchObject({
      state: 'rejected',
      reason: expect.stringMatching(/Caddy refused the config: .*192\.0\.2\.1/),
    });
    // The refused config is not left on disk: a restarted Caddy comes back with what it accepted.
    const onDisk = fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8');
    expect(onDisk).not.toContain('192.0.2.1');
    expect(onDisk).not.toContain(`later.${DOMAIN}`);
    process.env.PIC_PROXY_LISTEN = '127.0.0.1';
    expect((await get(`app.${DOMAIN}`, '/still')).body).toBe('upstream saw /still from the cell');
  }, 20_000);

  it('a removed route stops answering once applied', async () => {
    const { routes } = await admin(db).routes.list();
    const app = routes.find((r) => r.host === `app.${DOMAIN}`)!;
    expect((await admin(db).routes.remove({ id: app.id })).apply.state).toBe('applied');
    // Caddy no longer holds a certificate for the name: the handshake itself fails.
    const gone = await get(`app.${DOMAIN}`, '/gone');
    expect(gone).toMatchObject({ status: 0, body: '' });
    expect(gone.error).toMatch(/SSL|TLS|alert/i);
    expect((await get(`later.${DOMAIN}`, '/now')).body).toBe('upstream saw /now from nobody');
  }, 20_000);

  it('a change asked for through Caddy gets its answer, though applying it reloads Caddy', async () => {
    // The admin app as Caddy's UI upstream: each request makes a change that reloads Caddy.
    let made = 0;
    const app = http.createServer((_req, res) => {
      void admin(db)
        .routes.create({ host: `reload${++made}.${DOMAIN}`, upstream: `127.0.0.1:${upstreamPort}`, access: 'public' })
        .then((r) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(r.apply)));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    process.env.PIC_UI_UPSTREAM = `127.0.0.1:${(app.address() as net.AddressInfo).port}`;
    try {
      expect((await applyCaddy(db)).state).toBe('applied');
      for (const n of [1, 2]) {
        const answer = await get(DOMAIN, '/api/trpc/routes.create');
        expect(answer, `change ${n}`).toMatchObject({ status: 200 });
        expect(JSON.parse(answer.body)).toEqual({
          state: 'applied',
          via: 'loaded into cell-caddy through its admin API',
        });
        expect((await get(`reload${n}.${DOMAIN}`, '/up')).body).toBe('upstream saw /up from nobody');
      }
    } finally {
      process.env.PIC_UI_UPSTREAM = env.PIC_UI_UPSTREAM;
      app.close();
    }
  }, 30_000);
});
