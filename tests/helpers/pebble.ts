/**
 * Let's Encrypt's test ACME server, Debian's `pebble`, with `pebble-challtestsrv` answering its
 * DNS: every name resolves to `address` (where the Caddy under test listens). Its API is served
 * with a certificate made here for `address`; the root Caddy must trust to talk to it is `tls`,
 * and the root it issues from is fetched with `issuingRoot()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './wait';

const run = promisify(execFile);

export const PEBBLE_TOOLS = ['openssl', 'curl', 'pebble', 'pebble-challtestsrv'];
export const PEBBLE_INSTALL = 'apt-get install openssl curl pebble';

export interface Pebble {
  /** The ACME directory URL. */
  directory: string;
  /** The certificate Pebble's API is served with (PEM file): what a client trusts to reach it. */
  tls: string;
  /** Pebble's issuing root, as PEM. */
  issuingRoot(): Promise<string>;
  stop(): void;
}

export async function startPebble(o: {
  dir: string;
  /** Where Pebble and the DNS server listen, and what every name resolves to. */
  address: string;
  ports: { acme: number; mgmt: number; dns: number; challMgmt: number };
  /** Where Pebble connects to validate (the Caddy under test). */
  httpPort: number;
  tlsPort: number;
  /** Certificates' lifetime in seconds (short ones renew within a test). */
  validitySeconds?: number;
}): Promise<Pebble> {
  const at = (port: number) => `${o.address}:${port}`;
  const tls = path.join(o.dir, 'pebble-tls.pem');
  const key = path.join(o.dir, 'pebble-tls.key');
  const san = /^\d+\.\d+\.\d+\.\d+$/.test(o.address) ? `IP:${o.address}` : `DNS:${o.address}`;
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
    `subjectAltName=${san}`,
    '-keyout',
    key,
    '-out',
    tls,
  ]);
  const config = path.join(o.dir, 'pebble.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: at(o.ports.acme),
        managementListenAddress: at(o.ports.mgmt),
        certificate: tls,
        privateKey: key,
        httpPort: o.httpPort,
        tlsPort: o.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(o.validitySeconds ? { certificateValidityPeriod: o.validitySeconds } : {}),
      },
    }),
  );
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], extra: Record<string, string> = {}) => {
    const log = fs.openSync(path.join(o.dir, `${cmd}.log`), 'a');
    children.push(spawn(cmd, args, { stdio: ['ignore', log, log], env: { ...process.env, ...extra } }));
  };
  start('pebble-challtestsrv', [
    '-defaultIPv4',
    o.address,
    '-defaultIPv6',
    '',
    '-dns01',
    at(o.ports.dns),
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    at(o.ports.challMgmt),
  ]);
  start('pebble', ['-config', config, '-dnsserver', at(o.ports.dns)], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  const get = (url: string) =>
    run('curl', ['-sS', '--max-time', '5', '--cacert', tls, url], { encoding: 'utf8' }).then((r) => r.stdout);
  const directory = `https://${at(o.ports.acme)}/dir`;
  const listed = await eventually(
    () => get(directory).catch(() => ''),
    (d) => d.includes('newAccount'),
    20_000,
  );
  if (!listed.includes('newAccount')) throw new Error(`Pebble did not answer at ${directory}`);
  return {
    directory,
    tls,
    issuingRoot: () => get(`https://${at(o.ports.mgmt)}/roots/0`),
    stop: () => children.forEach((c) => c.kill()),
  };
}

/**
 * What `openssl s_client` says of the certificate served at `connect` for `servername`, verified
 * against the PEM file `caFile` (its output, also when the verification fails).
 */
export function servedCertificate(connect: string, servername: string | null, caFile: string): Promise<string> {
  // stdin from /dev/null: s_client ends at its end instead of waiting for input.
  const sni = servername === null ? ['-noservername'] : ['-servername', servername];
  const argv = ['s_client', '-connect', connect, ...sni, '-verify_return_error', '-CAfile', caFile];
  return run('sh', ['-c', 'exec openssl "$@" </dev/null', 'sh', ...argv], { encoding: 'utf8', timeout: 10_000 }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
}

/** s_client also says "0 (ok)" when no certificate came: a served, verified one names its subject. */
export const servedFor = (out: string, name: string) =>
  out.includes('Verify return code: 0 (ok)') && out.includes(`subject=CN = ${name}`);

/** The leaf certificate s_client was shown (PEM), or '': a renewal changes it. */
export const servedLeaf = (out: string) =>
  /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(out)?.[0] ?? '';

/** A served, verified certificate other than `before`: what a renewal ends with. */
export const renewedFrom = (before: string) => (out: string) =>
  out.includes('Verify return code: 0 (ok)') && servedLeaf(out) !== '' && servedLeaf(out) !== before;

/** Six loopback ports from `base`: Caddy's HTTP and HTTPS, then Pebble's, then challtestsrv's. */
export function suitePorts(base: number) {
  const [http, https, acme, mgmt, dns, challMgmt] = [0, 1, 2, 3, 4, 5].map((i) => base + i) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { http, https, pebble: { acme, mgmt, dns, challMgmt } };
}
