/**
 * The setup site on Debian's Caddy (loopback high ports): before the cell has a name, Caddy
 * serves the wizard for any name and for a bare address with the certificate the cell's CA
 * signed for setup.cell, sends plain HTTP to HTTPS, and passes the caller's address on; once
 * setup completes, the cell's own config replaces it, and a bare address keeps that
 * certificate and the way to the web app.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { applyCaddy } from '@/server/managers/routes/apply';
import { rootCertificate } from '@/server/managers/vault';
import { runtimeOf } from '@/server/runtime/runtime';
import { freshCell, setUp } from '../helpers/db';
import { runHostCaddy } from '../helpers/caddy-fixtures';
import { requireTools } from '../helpers/netns';
import { servedCertificate, servedFor, servedLeaf } from '../helpers/pebble';
import { eventually } from '../helpers/wait';

const execFileP = promisify(execFile);
const ready = requireTools('the setup site suite', ['caddy', 'curl', 'openssl'], 'apt-get install caddy curl openssl');
const base = 33000 + (process.pid % 4000) * 2;
const [HTTP_PORT, HTTPS_PORT] = [base, base + 1];

describe.skipIf(!ready)('the setup site on a real Caddy', () => {
  let db: Db;
  let dir: string;
  let caddy: ChildProcess | undefined;
  let upstream: http.Server;
  let rootFile: string;
  const env = {
    PIC_PROXY_LISTEN: '127.0.0.1',
    PIC_HTTP_PORT: String(HTTP_PORT),
    PIC_HTTPS_PORT: String(HTTPS_PORT),
    PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
  };

  /** curl trusting only the cell's root; `name` resolves to loopback. */
  const curl = async (args: string[]) => {
    const { stdout } = await execFileP('curl', ['-sS', '--max-time', '5', '--cacert', rootFile, ...args], {
      encoding: 'utf8',
    }).catch((e: { stdout: string; stderr: string }) => ({ stdout: `${e.stdout}${e.stderr}` }));
    return stdout;
  };

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    // The web app stands in as an upstream that says who asked, and what.
    upstream = http.createServer((req, res) => res.end(`wizard saw ${req.url} for ${req.headers['x-forwarded-for']}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    Object.assign(process.env, env, {
      PIC_UI_UPSTREAM: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    expect(await applyCaddy(db)).toMatchObject({ state: 'pending' });
    rootFile = path.join(dir, 'root.pem');
    fs.writeFileSync(rootFile, (await rootCertificate(db)).pem);
    caddy = runHostCaddy(dir);
    await eventually(async () => fs.existsSync(runtimeOf(db).caddy.adminSocket()), Boolean, 10_000);
  }, 60_000);

  afterAll(() => {
    caddy?.kill();
    upstream?.close();
    for (const k of [...Object.keys(env), 'PIC_UI_UPSTREAM', 'PIC_CADDY_CONFIG_ROOT', 'PIC_CADDY_STATE_ROOT'])
      delete process.env[k];
  });

  it("serves the wizard for setup.cell, for a bare address and for any other name, with the CA's certificate", async () => {
    await expect
      .poll(() => curl(['--resolve', `setup.cell:${HTTPS_PORT}:127.0.0.1`, `https://setup.cell:${HTTPS_PORT}/setup`]), {
        timeout: 10_000,
      })
      .toBe('wizard saw /setup for 127.0.0.1');
    const bare = await servedCertificate(`127.0.0.1:${HTTPS_PORT}`, null, rootFile);
    expect(servedFor(bare, 'setup.cell'), bare).toBe(true);
    // A name the cell does not know yet (the host's own): the same certificate, so the
    // browser's warning is about the name, and the fingerprint install.sh printed checks it.
    const other = await servedCertificate(`127.0.0.1:${HTTPS_PORT}`, 'vps.example.net', rootFile);
    expect(other).toContain('subject=CN = setup.cell');
    expect(other).toContain('Verify return code: 0 (ok)');
  });

  it('sends plain HTTP to HTTPS on the same name and path', async () => {
    const out = await curl([
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{redirect_url}',
      `http://127.0.0.1:${HTTP_PORT}/setup?step=1`,
    ]);
    expect(out).toBe(`308 https://127.0.0.1:${HTTPS_PORT}/setup?step=1`);
  });

  it("does not pass on a caller's claim to be someone else", async () => {
    const out = await curl([
      '-H',
      'X-Forwarded-For: 10.9.9.9',
      '--resolve',
      `setup.cell:${HTTPS_PORT}:127.0.0.1`,
      `https://setup.cell:${HTTPS_PORT}/x`,
    ]);
    expect(out).toBe('wizard saw /x for 127.0.0.1');
  });

  it("after setup the cell's own config replaces it; a bare address keeps the same certificate and still reaches the web app", async () => {
    const before = await servedCertificate(`127.0.0.1:${HTTPS_PORT}`, null, rootFile);
    await setUp(db);
    expect(await applyCaddy(db)).toMatchObject({ state: 'applied' });
    const home = await servedCertificate(`127.0.0.1:${HTTPS_PORT}`, 'home.cell', rootFile);
    expect(servedFor(home, 'home.cell'), home).toBe(true);
    // The leaf a browser at the bare address was shown (and may have accepted) is the same one.
    const bare = await servedCertificate(`127.0.0.1:${HTTPS_PORT}`, null, rootFile);
    expect(servedFor(bare, 'setup.cell'), bare).toBe(true);
    expect(servedLeaf(bare)).toBe(servedLeaf(before));
    expect(await curl(['-k', `https://127.0.0.1:${HTTPS_PORT}/dashboard`])).toBe('wizard saw /dashboard for 127.0.0.1');
    expect(
      await curl(['--resolve', `setup.cell:${HTTPS_PORT}:127.0.0.1`, `https://setup.cell:${HTTPS_PORT}/login`]),
    ).toBe('wizard saw /login for 127.0.0.1');
    // A name the cell does not serve says so.
    const other = await curl([
      '-k',
      '--resolve',
      `vps.example.net:${HTTPS_PORT}:127.0.0.1`,
      `https://vps.example.net:${HTTPS_PORT}/`,
    ]);
    expect(other).toBe('No service at this name.\n');
  });
});
