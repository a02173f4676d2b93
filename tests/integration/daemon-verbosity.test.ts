/**
 * The daemons' verbosity as the daemons themselves apply it: Debian's dnsmasq serving a real
 * DHCP exchange (busybox udhcpc in a namespace of its own) with the dnsmasq.conf the cell renders
 * at each level, and Debian's chronyd started with the arguments the cell gives cell-ntp.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredSpecs, type ComponentRow } from '@/server/managers/containers/spec';
import { renderDnsmasqConf } from '@/server/managers/dhcp/render';
import { renderChronyConf } from '@/server/managers/ntp/render';
import { CHRONY } from '../helpers/network-fixtures';
import { inNs, removeNamespace, requireTools, statusInNs } from '../helpers/netns';

const ready = requireTools(
  'daemon verbosity',
  ['dnsmasq', 'chronyd', 'busybox', 'ip'],
  'apt-get install dnsmasq-base chrony busybox-static iproute2',
);

/** Addresses of our own on a veth pair between two namespaces. */
const SERVER = 'pic-verb-srv';
const CLIENT = 'pic-verb-cli';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-verbosity-'));

/** Runs a daemon in the server's namespace until `until` resolves; returns what it logged. */
async function runDaemon(argv: string[], until: () => Promise<unknown>): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', SERVER, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    await new Promise((r) => setTimeout(r, 700));
    await until();
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return out;
}

/** One DHCP exchange against dnsmasq run with the cell's dnsmasq.conf at `level`. */
async function exchangeAt(level: 'debug' | 'info' | 'warn' | 'error') {
  const conf = path.join(dir, `dnsmasq-${level}.conf`);
  // The cell's file, with the lease file moved out of the host's /var/lib/misc (and no ping before an offer: quicker).
  const rendered = renderDnsmasqConf({
    interface: 'pverbs',
    rangeStart: '10.216.0.100',
    rangeEnd: '10.216.0.150',
    netmask: '255.255.255.0',
    leaseSeconds: 3600,
    gateway: null,
    dnsServer: '10.216.0.1',
    domain: 'cell',
    reservations: [],
    logLevel: level,
  });
  fs.writeFileSync(conf, rendered.replace('/var/lib/misc/dnsmasq.leases', path.join(dir, `leases-${level}`)));
  let lease = { code: -1, out: '' };
  const log = await runDaemon(
    ['dnsmasq', '-k', '--log-facility=-', '--user=root', '--no-ping', '-C', conf],
    async () => {
      lease = await statusInNs(CLIENT, [
        'busybox',
        'udhcpc',
        '-i',
        'pverbc',
        '-f',
        '-q',
        '-n',
        '-t',
        '5',
        '-T',
        '1',
        '-s',
        '/bin/true',
      ]);
    },
  );
  return { rendered, lease, log };
}

describe.skipIf(!ready)('daemon verbosity, as the daemons apply it', () => {
  beforeAll(async () => {
    for (const ns of [SERVER, CLIENT]) removeNamespace(ns);
    execFileSync('ip', ['netns', 'add', SERVER]);
    execFileSync('ip', ['netns', 'add', CLIENT]);
    execFileSync('ip', [
      'link',
      'add',
      'pverbs',
      'netns',
      SERVER,
      'type',
      'veth',
      'peer',
      'name',
      'pverbc',
      'netns',
      CLIENT,
    ]);
    await inNs(SERVER, ['ip', 'addr', 'add', '10.216.0.1/24', 'dev', 'pverbs']);
    for (const [ns, dev] of [
      [SERVER, 'pverbs'],
      [CLIENT, 'pverbc'],
      [SERVER, 'lo'],
      [CLIENT, 'lo'],
    ] as const)
      await inNs(ns, ['ip', 'link', 'set', dev, 'up']);
  });

  afterAll(() => {
    for (const ns of [SERVER, CLIENT]) removeNamespace(ns);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dnsmasq: debug logs each exchange in full, info the four steps, warn and error none of them', async () => {
    const debug = await exchangeAt('debug');
    expect(debug.lease.code, debug.lease.out + debug.log).toBe(0);
    expect(debug.log).toMatch(/DHCPACK\(pverbs\) 10\.216\.0\.1\d\d /);
    // log-dhcp: the options the client asked for and what was sent.
    expect(debug.log).toMatch(/requested options:/);

    const info = await exchangeAt('info');
    expect(info.lease.code, info.lease.out + info.log).toBe(0);
    for (const step of ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK']) expect(info.log).toContain(step);
    expect(info.log).not.toMatch(/requested options:/);

    for (const level of ['warn', 'error'] as const) {
      const quiet = await exchangeAt(level);
      // The client still gets its lease: only the log is quieter.
      expect(quiet.lease.code, quiet.lease.out + quiet.log).toBe(0);
      expect(quiet.log).toMatch(/started, version/);
      expect(quiet.log).not.toMatch(/DHCP(DISCOVER|OFFER|REQUEST|ACK)/);
    }
  });

  it('chronyd: with the arguments the cell gives cell-ntp, warn leaves out what info says', async () => {
    const conf = path.join(dir, 'chrony.conf');
    fs.writeFileSync(conf, renderChronyConf(CHRONY['local-only']!));
    const row: ComponentRow = { component: 'ntp', enabled: true, image: null, hostIndex: 4, restartPolicy: 'no' };
    const argsAt = (logLevel: ComponentRow['logLevel']) => {
      const [spec] = desiredSpecs({
        subnet: '172.31.250.0/24',
        components: [{ ...row, logLevel }],
        hostDataDir: dir,
        wireguard: null,
        imageOverrides: {},
      });
      // The image's own arguments when the cell gives none (its entrypoint puts chronyd first).
      return ['chronyd', '-f', conf, ...(spec!.cmd ?? ['-d', '-x'])];
    };
    const wait = () => new Promise((r) => setTimeout(r, 800));
    const info = await runDaemon(argsAt('info'), wait);
    expect(info).toMatch(/chronyd version \S+ starting/);
    expect(info).toMatch(/Disabled control of system clock/);
    const warn = await runDaemon(argsAt('warn'), wait);
    expect(argsAt('warn')).toEqual(['chronyd', '-f', conf, '-d', '-x', '-L', '1']);
    expect(warn).not.toMatch(/starting|Disabled control/);
  });
});
