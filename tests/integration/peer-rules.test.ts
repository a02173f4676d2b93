import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../helpers/netns';
import { attempt, loadPeerRules, type Runner } from '@/server/managers/wireguard/backend';
import { serverModel } from '@/server/managers/wireguard/model';
import { renderServerPeerRules } from '@/server/managers/wireguard/render';

// The rule sets go through the real iptables-restore inside a namespace of the test's own.
const NS = `pic-rules-${process.pid}`;
const ready = requireTools(
  'the peer rule suite',
  ['ip', 'iptables-restore', 'ip6tables-restore'],
  'apt-get install iptables iproute2',
);

const inNs: Runner = ([cmd, ...args], input) => attempt('ip', ['netns', 'exec', NS, cmd!, ...args], input);
const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const peer = (id: number, peerToPeer: boolean) => ({
  id,
  name: `p${id}`,
  hostIndex: id + 1,
  routingPolicy: 'cell' as const,
  allowedIps: [],
  peerToPeer,
  publicKey: key(id),
  enabled: true,
  expiresAt: null,
  presharedKey: null,
});
const server = {
  listenPort: 51820,
  subnet: '10.0.0.0/24',
  subnet6: 'fd12:3456:789a::/64',
  endpointHost: null,
  endpointPort: null,
  dns: null,
  mtu: null,
  persistentKeepalive: 25,
  publicKey: key(90),
  privateKey: key(91),
};
const rulesFor = (peers: ReturnType<typeof peer>[]) =>
  renderServerPeerRules(serverModel('home', server, peers, new Date()));
const listRules = (tool: string) => execFileSync('ip', ['netns', 'exec', NS, tool, '-S'], { encoding: 'utf8' });

describe.skipIf(!ready)('peer-to-peer rules on a real netfilter', () => {
  beforeAll(() => execFileSync('ip', ['netns', 'add', NS]));
  afterAll(() => execFileSync('ip', ['netns', 'del', NS]));

  it('load, hook into FORWARD once, and replace themselves on re-apply', async () => {
    await loadPeerRules(inNs, 'wgrules0', rulesFor([peer(1, true), peer(2, false), peer(3, true)]));
    await loadPeerRules(inNs, 'wgrules0', rulesFor([peer(1, true), peer(2, false), peer(3, false)]));
    const v4 = listRules('iptables');
    expect(v4.match(/-A FORWARD -i wgrules0 -o wgrules0 -j PIC-WG-PEERS/g)).toHaveLength(1);
    expect(v4).toContain('-A PIC-WG-PEERS -s 10.0.0.2/32 -m comment --comment p1 -j PIC-WG-P2P');
    expect(v4).not.toContain('10.0.0.4/32');
    expect(v4).toContain('-A PIC-WG-P2P -d 10.0.0.2/32 -j ACCEPT');
    const v6 = listRules('ip6tables');
    expect(v6).toContain('-A PIC-WG-P2P -d fd12:3456:789a::2/128 -j ACCEPT');
    expect(v6.match(/-A FORWARD -i wgrules0/g)).toHaveLength(1);
  });

  it('the nat part forwards tunnel DNS to cell-dns and hooks PREROUTING and POSTROUTING once', async () => {
    const cell = { network: '172.20.0.0/16', dns: { host: '172.20.0.3', port: 53 } };
    const withNat = renderServerPeerRules(serverModel('home', server, [peer(1, true)], new Date(), cell));
    await loadPeerRules(inNs, 'wgrules0', withNat);
    await loadPeerRules(inNs, 'wgrules0', withNat);
    const nat = execFileSync('ip', ['netns', 'exec', NS, 'iptables', '-t', 'nat', '-S'], { encoding: 'utf8' });
    expect(nat.match(/-A PREROUTING -i wgrules0 -j PIC-WG-DNS/g)).toHaveLength(1);
    expect(nat.match(/-A POSTROUTING -j PIC-WG-NAT/g)).toHaveLength(1);
    expect(nat).toContain(
      '-A PIC-WG-DNS -d 10.0.0.1/32 -p udp -m udp --dport 53 -j DNAT --to-destination 172.20.0.3:53',
    );
    expect(nat).toContain('-A PIC-WG-NAT -s 10.0.0.0/24 -d 172.20.0.0/16 -j MASQUERADE');
  });

  it('a broken rule set is refused whole and the loaded one stays', async () => {
    const bad: Runner = (argv, input) => inNs(argv, input?.replace('COMMIT', '-A PIC-WG-P2P -j NOSUCHTARGET\nCOMMIT'));
    await expect(loadPeerRules(bad, 'wgrules0', rulesFor([peer(1, true)]))).rejects.toThrow(/iptables-restore failed/);
    expect(listRules('iptables')).toContain('-A PIC-WG-P2P -d 10.0.0.2/32 -j ACCEPT');
  });
});
