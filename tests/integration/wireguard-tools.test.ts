import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderServerConfig, renderServerSyncConfig } from '@/server/managers/wireguard/render';
import { goldenCases } from '../helpers/golden';
import { inNs, requireTools, startWireguardGo } from '../helpers/netns';

// Every golden config the renderers produce is fed to the real tools: wg-quick strip, then wg setconf.
const ready = requireTools(
  'the WireGuard tools suite',
  ['ip', 'wg', 'wg-quick', 'wireguard-go'],
  'apt-get install wireguard-tools wireguard-go iproute2',
);
// Full configs only: the sync form is not for wg-quick, and a brought-own key has a placeholder.
const goldens = [
  ...goldenCases('wireguard-server').map((c) => ({ name: `server ${c.name}`, expected: c.expected })),
  ...goldenCases('wireguard-client')
    .filter((c) => c.name !== 'own-key')
    .map((c) => ({ name: `client ${c.name}`, expected: c.expected })),
];
const NS = `pic-tools-${process.pid}`;
const IFACE = `wgk${process.pid % 100000}`;

const meaningful = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

describe.skipIf(!ready)('rendered configs and the real WireGuard tools', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-wgtools-'));
  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', NS]);
    await startWireguardGo(NS, IFACE);
  });
  afterAll(() => {
    for (const pid of execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).split('\n').filter(Boolean))
      process.kill(Number(pid));
    execFileSync('ip', ['netns', 'del', NS]);
  });

  it.each(goldens)('$name passes wg-quick strip and wg setconf', async ({ expected }) => {
    // wg resolves endpoint names, and this machine has no DNS: a loopback literal stands in.
    const text = fs.readFileSync(expected, 'utf8').replace(/^Endpoint = [a-z][a-z0-9.-]*:/m, 'Endpoint = 127.0.0.1:');
    const file = path.join(dir, `${IFACE}.conf`);
    fs.writeFileSync(file, text, { mode: 0o600 });
    const stripped = await inNs(NS, ['wg-quick', 'strip', file]);
    expect(stripped).not.toMatch(/^(Address|DNS|MTU)\s*=/m);
    fs.writeFileSync(`${file}.stripped`, stripped, { mode: 0o600 });
    await inNs(NS, ['wg', 'setconf', IFACE, `${file}.stripped`]);
    const dump = (await inNs(NS, ['wg', 'show', IFACE, 'dump'])).trim().split('\n');
    const peers = meaningful(text).filter((l) => l === '[Peer]').length;
    expect(dump).toHaveLength(1 + peers);
    const allowed = meaningful(text)
      .filter((l) => l.startsWith('AllowedIPs = '))
      .map((l) => l.slice('AllowedIPs = '.length).split(', ').sort().join(','));
    expect(
      dump
        .slice(1)
        .map((l) => l.split('\t')[3]!.split(',').sort().join(','))
        .sort(),
    ).toEqual(allowed.sort());
  });

  it('the stripped server config the cell renders equals what wg-quick strip makes of wg0.conf', async () => {
    const key = (n: number) => Buffer.alloc(32, n).toString('base64');
    const model = {
      cellName: 'home',
      privateKey: key(1),
      addresses: ['10.0.0.1/24', 'fd00::1/64'],
      listenPort: 51820,
      mtu: 1400,
      peers: [
        {
          id: 1,
          name: 'a',
          hostIndex: 2,
          publicKey: key(2),
          presharedKey: key(3),
          allowedIps: ['10.0.0.2/32', 'fd00::2/128'],
          peerToPeer: false,
        },
      ],
    };
    const file = path.join(dir, `${IFACE}.conf`);
    fs.writeFileSync(file, renderServerConfig(model), { mode: 0o600 });
    const stripped = await inNs(NS, ['wg-quick', 'strip', file]);
    expect(meaningful(stripped)).toEqual(meaningful(renderServerSyncConfig(model)));
  });
});
