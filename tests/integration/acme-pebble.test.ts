/**
 * Certificates from a real ACME server: Let's Encrypt's test server Pebble (Debian's
 * `pebble`), with `pebble-challtestsrv` answering its DNS. The cell in `http01` mode points
 * Caddy at Pebble (`PIC_ACME_DIRECTORY`, `PIC_ACME_CA_ROOT`); Pebble validates through
 * Caddy's own HTTP port, and the certificate Caddy then serves verifies against Pebble's root.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { ensureCa } from '@/server/managers/vault';
import { admin, freshCell, setUp } from '../helpers/db';
import { requireTools } from '../helpers/netns';
import { eventually } from '../helpers/wait';

const run = promisify(execFile);
const ready = requireTools(
  'the ACME suite',
  ['caddy', 'curl', 'openssl', 'pebble', 'pebble-challtestsrv'],
  'apt-get install caddy curl openssl pebble',
);
const base = 25000 + (process.pid % 1000) * 6;
const [HTTP_PORT, HTTPS_PORT, PEBBLE_PORT, PEBBLE_MGMT, DNS_PORT, CHALL_MGMT] = [0, 1, 2, 3, 4, 5].map((i) => base + i);
const DOMAIN = 'cell.example.test';
// Short, so the renewal comes within the test: Caddy renews once a third of it is left.
const VALIDITY_S = 45;

describe.skipIf(!ready)('http01 certificates from Pebble through Caddy', () => {
  let db: Db;
  let dir: string;
  const children: ChildProcess[] = [];
  let pebbleTls: string;
  let firstSerial = '';
  let verify: () => Promise<string> = async () => '';
  /** The leaf certificate s_client was shown (PEM): a renewal changes it. */
  const serialOf = (out: string) => /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(out)?.[0] ?? '';
  const env: Record<string, string> = {
    PIC_PROXY_LISTEN: '127.0.0.1',
    PIC_HTTP_PORT: String(HTTP_PORT),
    PIC_HTTPS_PORT: String(HTTPS_PORT),
    PIC_UI_UPSTREAM: '127.0.0.1:9',
    PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
    PIC_ACME_DIRECTORY: `https://127.0.0.1:${PEBBLE_PORT}/dir`,
  };
  const start = (cmd: string, args: string[], extra: Record<string, string> = {}) => {
    const log = fs.openSync(path.join(dir, `${cmd}.log`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', log, log], env: { ...process.env, ...extra } });
    children.push(child);
    return child;
  };
  /** Pebble's own API over HTTPS, trusting the certificate made for it here. */
  const pebbleGet = async (url: string) =>
    (await run('curl', ['-sS', '--max-time', '5', '--cacert', pebbleTls, url], { encoding: 'utf8' })).stdout;

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    pebbleTls = path.join(dir, 'pebble-tls.pem');
    const key = path.join(dir, 'pebble-tls.key');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=pebble',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      pebbleTls,
    ]);
    Object.assign(env, {
      PIC_ACME_CA_ROOT: pebbleTls,
      PIC_CADDY_CONFIG_ROOT: path.join(dir, 'config', 'caddy'),
      PIC_CADDY_STATE_ROOT: path.join(dir, 'state', 'caddy'),
    });
    Object.assign(process.env, env);
    fs.mkdirSync(path.join(dir, 'state', 'caddy'), { recursive: true });
    // Every name Pebble looks up answers 127.0.0.1: where Caddy listens.
    start('pebble-challtestsrv', [
      '-defaultIPv4',
      '127.0.0.1',
      '-defaultIPv6',
      '',
      '-dns01',
      `127.0.0.1:${DNS_PORT}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-management',
      `127.0.0.1:${CHALL_MGMT}`,
    ]);
    const config = path.join(dir, 'pebble.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${PEBBLE_PORT}`,
          managementListenAddress: `127.0.0.1:${PEBBLE_MGMT}`,
          certificate: pebbleTls,
          privateKey: key,
          // Where Pebble connects to validate: Caddy's own ports.
          httpPort: HTTP_PORT,
          tlsPort: HTTPS_PORT,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          // Short-lived certificates, so renewal happens within the test.
          certificateValidityPeriod: VALIDITY_S,
        },
      }),
    );
    start('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${DNS_PORT}`], {
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
    });
    const directory = await eventually(
      () => pebbleGet(env.PIC_ACME_DIRECTORY!).catch(() => ''),
      (d) => d.includes('newAccount'),
      20_000,
    );
    expect(directory).toContain('newAccount');
    await setUp(db);
    await ensureCa(db);
  }, 60_000);

  afterAll(() => {
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

    start('caddy', ['run', '--config', path.join(folder, 'caddy.json')], {
      HOME: dir,
      XDG_DATA_HOME: dir,
      XDG_CONFIG_HOME: dir,
    });
    const pebbleRoot = path.join(dir, 'pebble-root.pem');
    fs.writeFileSync(pebbleRoot, await pebbleGet(`https://127.0.0.1:${PEBBLE_MGMT}/roots/0`));
    verify = () =>
      // stdin from /dev/null: s_client ends at its end instead of waiting for input.
      run(
        'sh',
        [
          '-c',
          'exec openssl "$@" </dev/null',
          'sh',
          's_client',
          '-connect',
          `127.0.0.1:${HTTPS_PORT}`,
          '-servername',
          DOMAIN,
          '-verify_return_error',
          '-CAfile',
          pebbleRoot,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      ).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
    // s_client also says "0 (ok)" when no certificate came: a served, verified one has a subject.
    const served = (o: string) => o.includes('Verify return code: 0 (ok)') && o.includes(`subject=CN = ${DOMAIN}`);
    const out = await eventually(verify, served, 60_000, 1000);
    firstSerial = serialOf(out);
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
      const renewed = await eventually(
        verify,
        (o) => o.includes('Verify return code: 0 (ok)') && serialOf(o) !== '' && serialOf(o) !== firstSerial,
        25_000,
        1000,
      );
      expect(renewed).toContain('Verify return code: 0 (ok)');
      expect(serialOf(renewed)).not.toBe(firstSerial);
    },
    (VALIDITY_S + 30) * 1000,
  );
});
