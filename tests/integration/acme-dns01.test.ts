/**
 * The wildcard certificate of a DNS-01 mode from a real ACME server: Pebble, with
 * `pebble-challtestsrv` as the DNS it validates against. The cell in Cloudflare mode asks Pebble
 * itself, puts each challenge value through a local server that speaks Cloudflare's API v4 (it
 * lands in challtestsrv), waits until the value is seen in that DNS, and hands Caddy the
 * certificate: Caddy, Debian's own with no DNS module, serves it for the domain and every name
 * under it, verified against Pebble's root. Then the renewal, and a refused token.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { ensureDomainCertificate, settleCertificate } from '@/server/managers/acme';
import { runChecks } from '@/server/managers/health';
import { ensureCa } from '@/server/managers/vault';
import { admin, freshCell, setUp } from '../helpers/db';
import { runHostCaddy } from '../helpers/caddy-fixtures';
import { requireTools } from '../helpers/netns';
import {
  PEBBLE_INSTALL,
  PEBBLE_TOOLS,
  renewedFrom,
  servedCertificate,
  servedFor,
  servedLeaf,
  startPebble,
  suitePorts,
  type Pebble,
} from '../helpers/pebble';
import { eventually } from '../helpers/wait';

const ready = requireTools('the DNS-01 suite', ['caddy', ...PEBBLE_TOOLS], `${PEBBLE_INSTALL} caddy`);
const base = 10000 + (process.pid % 600) * 6;
const PORTS = suitePorts(base);
const [HTTP_PORT, HTTPS_PORT] = [PORTS.http, PORTS.https];
const { acme: PEBBLE_PORT, dns: DNS_PORT, challMgmt: CHALL_MGMT } = PORTS.pebble;
const DOMAIN = 'cell.example.test';
const GOOD_TOKEN = 'cf-token-good';
// Short, so the renewal comes within the test: the cell renews once a third of it is left.
const VALIDITY_S = 18;

interface TxtRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

/** Cloudflare's API v4 for one zone, `example.test`; its TXT records go to challtestsrv. */
function fakeCloudflare(challMgmt: string) {
  const records: TxtRecord[] = [];
  const requests: string[] = [];
  let next = 1;
  const chall = (what: 'set-txt' | 'clear-txt', body: object) =>
    fetch(`http://${challMgmt}/${what}`, { method: 'POST', body: JSON.stringify(body) });
  const ok = (res: http.ServerResponse, result: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: true, errors: [], result }));
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const url = new URL(req.url!, 'http://x');
      requests.push(`${req.method} ${url.pathname}`);
      if (req.headers.authorization !== `Bearer ${GOOD_TOKEN}`) {
        res.writeHead(403, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ success: false, errors: [{ code: 9109, message: 'Invalid access token' }], result: null }),
        );
      }
      if (url.pathname === '/zones')
        return ok(res, url.searchParams.get('name') === 'example.test' ? [{ id: 'z1' }] : []);
      if (url.pathname === '/zones/z1/dns_records' && req.method === 'POST') {
        const r = { ...(JSON.parse(body) as Omit<TxtRecord, 'id'>), id: `r${next++}` };
        records.push(r);
        await chall('set-txt', { host: `${r.name}.`, value: r.content });
        return ok(res, r);
      }
      if (url.pathname === '/zones/z1/dns_records' && req.method === 'GET')
        return ok(
          res,
          records.filter((r) => r.type === url.searchParams.get('type') && r.name === url.searchParams.get('name')),
        );
      const del = /^\/zones\/z1\/dns_records\/(r\d+)$/.exec(url.pathname);
      if (del && req.method === 'DELETE') {
        const i = records.findIndex((r) => r.id === del[1]);
        const [gone] = records.splice(i, 1);
        // challtestsrv clears every value of a name: put back the ones still there.
        await chall('clear-txt', { host: `${gone!.name}.` });
        for (const r of records.filter((x) => x.name === gone!.name))
          await chall('set-txt', { host: `${r.name}.`, value: r.content });
        return ok(res, { id: gone!.id });
      }
      res.writeHead(404);
      res.end('no such endpoint');
    });
  });
  return { server, records, requests };
}

describe.skipIf(!ready)('DNS-01 wildcard certificate from Pebble, served by Caddy', () => {
  let db: Db;
  let dir: string;
  let pebble: Pebble | undefined;
  let caddy: ChildProcess | undefined;
  let pebbleRoot = '';
  let firstLeaf = '';
  const cf = fakeCloudflare(`127.0.0.1:${CHALL_MGMT}`);
  const served = (name: string) => servedCertificate(`127.0.0.1:${HTTPS_PORT}`, name, pebbleRoot);
  const env: Record<string, string> = {
    PIC_PROXY_LISTEN: '127.0.0.1',
    PIC_HTTP_PORT: String(HTTP_PORT),
    PIC_HTTPS_PORT: String(HTTPS_PORT),
    PIC_UI_UPSTREAM: '127.0.0.1:9',
    PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
    PIC_ACME_DIRECTORY: `https://127.0.0.1:${PEBBLE_PORT}/dir`,
    PIC_ACME_DNS_RESOLVER: `127.0.0.1:${DNS_PORT}`,
    PIC_OUTBOUND_ALLOW_LOOPBACK: '1',
  };
  const status = async () => (await admin(db).domain.get()).certificate;

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    await new Promise<void>((r) => cf.server.listen(0, '127.0.0.1', r));
    pebble = await startPebble({
      dir,
      address: '127.0.0.1',
      ports: PORTS.pebble,
      httpPort: HTTP_PORT,
      tlsPort: HTTPS_PORT,
      validitySeconds: VALIDITY_S,
    });
    Object.assign(env, {
      PIC_ACME_CA_ROOT: pebble.tls,
      PIC_CLOUDFLARE_API_URL: `http://127.0.0.1:${(cf.server.address() as AddressInfo).port}`,
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    Object.assign(process.env, env);
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    await setUp(db);
    await ensureCa(db);
    pebbleRoot = path.join(dir, 'pebble-root.pem');
    fs.writeFileSync(pebbleRoot, await pebble.issuingRoot());
  }, 60_000);

  afterAll(async () => {
    await settleCertificate();
    caddy?.kill();
    pebble?.stop();
    cf.server.close();
    for (const k of Object.keys(env)) delete process.env[k];
  });

  it('a refused token gets no certificate, says why, and backs off; Caddy serves nothing for the domain', async () => {
    const { apply } = await admin(db).domain.update({
      domainMode: 'cloudflare',
      domain: DOMAIN,
      ddnsToken: 'cf-token-wrong',
      acmeEmail: 'admin@example.test',
    });
    expect(apply).toBeDefined();
    const folder = path.join(dir, 'config', 'caddy');
    const config = fs.readFileSync(path.join(folder, 'caddy.json'), 'utf8');
    // Caddy asks no ACME server itself, and never holds the provider's token.
    expect(config).not.toMatch(/cf-token|dns\.providers|"automation"/);
    caddy = runHostCaddy(dir);
    await settleCertificate();
    const s = await status();
    expect(s).toMatchObject({ names: [DOMAIN, `*.${DOMAIN}`], certificate: null, failures: 1 });
    expect(s!.lastError).toMatch(/Cloudflare refused the token: Invalid access token \(9109\)/);
    expect(s!.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(cf.records).toEqual([]);
    // Not due again before its backoff: nothing is asked.
    const before = cf.requests.length;
    ensureDomainCertificate(db, { email: null });
    await settleCertificate();
    expect(cf.requests.length).toBe(before);
    expect(servedFor(await served(DOMAIN), DOMAIN)).toBe(false);
    // The monitor says so, and so the admin is told.
    expect((await runChecks(db)).get('domain certificate')).toEqual({
      state: 'down',
      detail: expect.stringMatching(/^none yet: Cloudflare refused the token/),
    });
  }, 60_000);

  it('with the right token: the wildcard comes over DNS-01, and Caddy serves it for the domain and every name under it', async () => {
    // A new token starts afresh, without waiting out the wrong one's backoff.
    await admin(db).domain.update({ domainMode: 'cloudflare', domain: DOMAIN, ddnsToken: GOOD_TOKEN });
    await settleCertificate();
    const s = await status();
    expect(s?.lastError).toBeNull();
    expect(s?.certificate?.issuer).toMatch(/Pebble Intermediate CA/);
    // Both challenge values were put at the provider and taken away again.
    expect(cf.requests.filter((r) => r === 'POST /zones/z1/dns_records')).toHaveLength(2);
    expect(cf.records).toEqual([]);
    const apex = await eventually(
      () => served(DOMAIN),
      (o) => servedFor(o, DOMAIN),
      20_000,
      500,
    );
    expect(apex).toContain('Verify return code: 0 (ok)');
    const sub = await served(`www.${DOMAIN}`);
    expect(sub).toContain('Verify return code: 0 (ok)');
    expect(sub).toMatch(/issuer=.*Pebble Intermediate CA/);
    firstLeaf = servedLeaf(apex);
    // Caddy itself solved no challenge: the certificate came from the cell.
    expect(fs.readFileSync(path.join(dir, 'caddy.log'), 'utf8')).not.toMatch(/challenge_type|obtaining certificate/);
    // Kept with the cell's secrets, its key readable by the cell only.
    const kept = path.join(dir, 'secrets', 'acme', `${DOMAIN}.key`);
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    expect((await runChecks(db)).get('domain certificate')).toEqual({
      state: 'up',
      detail: expect.stringMatching(/^valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
    });
  }, 90_000);

  it('renews once a third of the lifetime is left, and Caddy serves the new one', async () => {
    expect(firstLeaf).toContain('BEGIN CERTIFICATE');
    const renewsAt = (await status())!.certificate!.renewsAt;
    // Not due yet: the loops' pass asks nothing.
    const before = cf.requests.length;
    ensureDomainCertificate(db, { email: null });
    await settleCertificate();
    expect(cf.requests.length).toBe(before);
    await new Promise((r) => setTimeout(r, Math.max(0, renewsAt.getTime() - Date.now()) + 500));
    ensureDomainCertificate(db, { email: null });
    await settleCertificate();
    const s = await status();
    expect(s?.lastError).toBeNull();
    expect(s!.certificate!.renewsAt.getTime()).toBeGreaterThan(renewsAt.getTime());
    const renewed = await eventually(() => served(`www.${DOMAIN}`), renewedFrom(firstLeaf), 20_000, 500);
    expect(servedLeaf(renewed)).not.toBe(firstLeaf);
  }, 90_000);
});
