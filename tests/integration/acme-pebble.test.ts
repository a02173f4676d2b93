/**
 * Certificates from a real ACME server: Let's Encrypt's test server Pebble (Debian's
 * `pebble`), with `pebble-challtestsrv` answering its DNS. The cell in `http01` mode points
 * Caddy at Pebble (`PIC_ACME_DIRECTORY`, `PIC_ACME_CA_ROOT`); Pebble validates through
 * Caddy's own HTTP port, and the certificate Caddy then serves verifies against Pebble's root.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
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

const ready = requireTools('the ACME suite', ['caddy', ...PEBBLE_TOOLS], `${PEBBLE_INSTALL} caddy`);
const base = 25000 + (process.pid % 1000) * 6;
const PORTS = suitePorts(base);
const [HTTP_PORT, HTTPS_PORT] = [PORTS.http, PORTS.https];
const { acme: PEBBLE_PORT } = PORTS.pebble;
const DOMAIN = 'cell.example.test';
// Short, so the renewal comes within the test: Caddy renews once a third of it is left.
const VALIDITY_S = 45;

describe.skipIf(!ready)('http01 certificates from Pebble through Caddy', () => {
  let db: Db;
  let dir: string;
  const children: ChildProcess[] = [];
  let pebbleTls: string;
  let pebble: Pebble | undefined;
  let firstSerial = '';
  let verify: () => Promise<string> = async () => '';
  const env: Record<string, string> = {
    PIC_PROXY_LISTEN: '127.0.0.1',
    PIC_HTTP_PORT: String(HTTP_PORT),
    PIC_HTTPS_PORT: String(HTTPS_PORT),
    PIC_UI_UPSTREAM: '127.0.0.1:9',
    PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
    PIC_ACME_DIRECTORY: `https://127.0.0.1:${PEBBLE_PORT}/dir`,
  };

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    pebble = await startPebble({
      dir,
      address: '127.0.0.1',
      ports: PORTS.pebble,
      // Where Pebble connects to validate: Caddy's own ports.
      httpPort: HTTP_PORT,
      tlsPort: HTTPS_PORT,
      validitySeconds: VALIDITY_S,
    });
    pebbleTls = pebble.tls;
    Object.assign(env, {
      PIC_ACME_CA_ROOT: pebbleTls,
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    expect(pebble.directory).toBe(env.PIC_ACME_DIRECTORY);
    Object.assign(process.env, env);
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    await setUp(db);
    await ensureCa(db);
  }, 60_000);

  afterAll(() => {
    pebble?.stop();
    for (const c of children) c.kill();
    for (const k of Object.keys(env)) delete process.env[k];
  });

  it('gets a certificate for the domain over HTTP-01 and serves it, verified against Pebble’s root', async () => {
    const { apply } = await admin(db).domain.update({
      domainMode: 'http01',
      domain: DOMAIN,
      acmeEmail: 'admin@example.test',
    });
    expect(apply).toBeDefined();
    const folder = path.join(dir, 'config', 'caddy');
    expect(fs.readFileSync(path.join(folder, 'acme-root.pem'), 'utf8')).toBe(fs.readFileSync(pebbleTls, 'utf8'));
    const issuer = JSON.parse(fs.readFileSync(path.join(folder, 'caddy.json'), 'utf8')).apps.tls.automation.policies[0]
      .issuers[0];
    expect([issuer.ca, issuer.email]).toEqual([env.PIC_ACME_DIRECTORY, 'admin@example.test']);

    children.push(runHostCaddy(dir));
    const pebbleRoot = path.join(dir, 'pebble-root.pem');
    fs.writeFileSync(pebbleRoot, await pebble!.issuingRoot());
    verify = () => servedCertificate(`127.0.0.1:${HTTPS_PORT}`, DOMAIN, pebbleRoot);
    const served = (o: string) => servedFor(o, DOMAIN);
    const out = await eventually(verify, served, 60_000, 1000);
    firstSerial = servedLeaf(out);
    expect(out, fs.readFileSync(path.join(dir, 'caddy.log'), 'utf8').slice(-3000)).toContain(
      'Verify return code: 0 (ok)',
    );
    expect(out).toMatch(/issuer=.*Pebble Intermediate CA/);
    // The mode's challenge: HTTP-01 through Caddy's HTTP port, never TLS-ALPN.
    const caddyLog = fs.readFileSync(path.join(dir, 'caddy.log'), 'utf8');
    expect(new Set(caddyLog.match(/"challenge_type":"[^"]+"/g))).toEqual(new Set(['"challenge_type":"http-01"']));
    expect(out).toContain(`subject=CN = ${DOMAIN}`);
  }, 90_000);

  it(
    'renews the certificate before it expires, and serves the new one',
    async () => {
      expect(firstSerial).toContain('BEGIN CERTIFICATE');
      // Caddy renews once a third of the lifetime is left, on its periodic check (every 10
      // minutes) or when its config is loaded: past that point, the next apply loads one.
      await new Promise((r) => setTimeout(r, (VALIDITY_S * 2_000) / 3 + 2_000));
      const { apply } = await admin(db).domain.update({
        domainMode: 'http01',
        domain: DOMAIN,
        acmeEmail: 'admin@example.test',
        logLevel: 'DEBUG',
      });
      expect(apply).toMatchObject({ state: 'applied' });
      const renewed = await eventually(verify, renewedFrom(firstSerial), 25_000, 1000);
      expect(renewed).toContain('Verify return code: 0 (ok)');
      expect(servedLeaf(renewed)).not.toBe(firstSerial);
    },
    (VALIDITY_S + 30) * 1000,
  );
});
