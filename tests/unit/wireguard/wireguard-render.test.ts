import { describe, expect, it } from 'vitest';
import { clientModel, serverModel, type PeerRow, type ServerRow } from '@/server/managers/wireguard/model';
import {
  renderClientConfig,
  renderServerConfig,
  renderServerPeerRules,
  renderServerSyncConfig,
  RenderError,
  safeComment,
} from '@/server/managers/wireguard/render';

// Fixed keys make the goldens stable; they are valid 32-byte base64 values.
const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const NOW = new Date('2026-11-23T12:00:00Z');
const golden = (name: string) => `../../golden/wireguard/${name}.conf`;

const server: ServerRow & { privateKey: string } = {
  listenPort: 51820,
  subnet: '10.0.0.0/24',
  subnet6: null,
  endpointHost: null,
  endpointPort: null,
  dns: null,
  mtu: null,
  persistentKeepalive: 25,
  publicKey: key(1),
  privateKey: key(2),
};

function peer(id: number, over: Partial<PeerRow & { presharedKey: string | null; privateKey: string | null }> = {}) {
  return {
    id,
    name: `peer-${id}`,
    hostIndex: id + 1,
    routingPolicy: 'full' as const,
    allowedIps: [],
    peerToPeer: false,
    publicKey: key(100 + id),
    enabled: true,
    expiresAt: null,
    presharedKey: key(200 + id),
    privateKey: key(150 + id),
    ...over,
  };
}

const render = (peers: ReturnType<typeof peer>[], s = server, cell = 'home') =>
  renderServerConfig(serverModel(cell, s, peers, NOW));
const client = (p: ReturnType<typeof peer>, s = server) =>
  renderClientConfig(clientModel({ name: 'home', domain: 'home.example.org' }, s, p));

describe('server wg0.conf', () => {
  it('with no peers', async () => {
    await expect(render([])).toMatchFileSnapshot(golden('server-empty'));
  });

  it('with one peer', async () => {
    await expect(render([peer(1)])).toMatchFileSnapshot(golden('server-one'));
  });

  it('with many peers, in address order', async () => {
    const many = [5, 3, 1, 4, 2].map((i) => peer(i, { presharedKey: i % 2 ? key(200 + i) : null }));
    await expect(render(many)).toMatchFileSnapshot(golden('server-many'));
  });

  it('with an IPv6 subnet and an MTU', async () => {
    const s = { ...server, subnet6: 'fd12:3456:789a::/64', mtu: 1380 };
    await expect(render([peer(1), peer(2)], s)).toMatchFileSnapshot(golden('server-ipv6'));
  });

  it('leaves out disabled and expired peers', async () => {
    const peers = [
      peer(1),
      peer(2, { enabled: false }),
      peer(3, { expiresAt: new Date('2026-11-23T11:59:59Z') }),
      peer(4, { expiresAt: new Date('2027-01-01T00:00:00Z') }),
    ];
    const text = render(peers);
    expect(text).not.toContain(key(102));
    expect(text).not.toContain(key(103));
    await expect(text).toMatchFileSnapshot(golden('server-disabled-expired'));
  });

  it('keeps hostile names inside comments', async () => {
    const hostile = [peer(1, { name: 'evil\n[Peer]\nPublicKey = x' }), peer(2, { name: 'a; rm -rf /{}"\'' })];
    const text = render(hostile, server, 'cell\nPostUp = curl evil');
    expect(text).not.toMatch(/^PostUp/m);
    expect(text.match(/^\[Peer\]$/gm)).toHaveLength(2);
    expect(text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('['))).toHaveLength(3 + 2 * 3);
    await expect(text).toMatchFileSnapshot(golden('server-hostile'));
  });

  it('strips wg-quick keys for wg syncconf', async () => {
    const text = renderServerSyncConfig(serverModel('home', { ...server, mtu: 1400 }, [peer(1)], NOW));
    expect(text).not.toMatch(/^(Address|MTU) =/m);
    await expect(text).toMatchFileSnapshot(golden('server-sync'));
  });

  it('refuses a value that would inject a line', () => {
    const model = serverModel('home', server, [peer(1)], NOW);
    model.peers[0]!.allowedIps = ['10.0.0.2/32\nPostUp = id'];
    expect(() => renderServerConfig(model)).toThrow(RenderError);
    model.peers[0]!.allowedIps = ['10.0.0.2/32'];
    model.peers[0]!.publicKey = 'not a key';
    expect(() => renderServerConfig(model)).toThrow(/PublicKey/);
  });
});

describe('client config', () => {
  it('full tunnel', async () => {
    await expect(client(peer(1))).toMatchFileSnapshot(golden('client-full'));
  });

  it('cell only, without and with peer-to-peer', async () => {
    expect(client(peer(1, { routingPolicy: 'cell' }))).toContain('AllowedIPs = 10.0.0.1/32, 172.20.0.0/16');
    await expect(client(peer(1, { routingPolicy: 'cell', peerToPeer: true }))).toMatchFileSnapshot(
      golden('client-cell-p2p'),
    );
  });

  it('custom networks, IPv6, no preshared key, custom DNS and endpoint', async () => {
    const s = {
      ...server,
      subnet6: 'fd12:3456:789a::/64',
      dns: ['192.168.1.53'],
      endpointHost: 'fd00::1',
      endpointPort: 443,
      persistentKeepalive: 0,
    };
    const p = peer(7, { routingPolicy: 'custom', allowedIps: ['192.168.1.0/24', 'fd00::/64'], presharedKey: null });
    await expect(client(p, s)).toMatchFileSnapshot(golden('client-custom-ipv6'));
  });

  it('with a brought-own key has a placeholder instead of a private key', async () => {
    const text = client(peer(1, { privateKey: null }));
    expect(text).toContain('PrivateKey = PASTE_YOUR_PRIVATE_KEY_HERE');
    await expect(text).toMatchFileSnapshot(golden('client-own-key'));
  });

  it('keeps a hostile peer name in its comment', () => {
    const text = client(peer(1, { name: 'x\nDNS = 6.6.6.6' }));
    expect(text).not.toMatch(/^DNS = 6/m);
    expect(text).toContain('# Peer: x?DNS = 6.6.6.6 on cell home');
  });
});

describe('peer-to-peer rules', () => {
  it('pass traffic between peers only when both allow it, per family', async () => {
    const s = { ...server, subnet6: 'fd12:3456:789a::/64' };
    const peers = [
      peer(1, { peerToPeer: true, name: 'a "quoted" name' }),
      peer(2),
      peer(3, { peerToPeer: true }),
      peer(4, { peerToPeer: true, enabled: false }),
    ];
    const rules = renderServerPeerRules(serverModel('home', s, peers, NOW));
    expect(rules.v4).not.toContain('10.0.0.5');
    expect(rules.v4).not.toContain('"a "');
    await expect(rules.v4).toMatchFileSnapshot('../../golden/wireguard/peers.rules');
    await expect(rules.v6).toMatchFileSnapshot('../../golden/wireguard/peers6.rules');
  });

  it('with nobody allowed, drop everything between peers; no IPv6 set without an IPv6 subnet', () => {
    const rules = renderServerPeerRules(serverModel('home', server, [peer(1), peer(2)], NOW));
    expect(rules.v4.split('\n').filter((l) => l.startsWith('-A'))).toEqual([
      '-A PIC-WG-PEERS -j DROP',
      '-A PIC-WG-P2P -j DROP',
    ]);
    expect(rules.v6).toBeNull();
  });

  it('forward DNS on the tunnel address to cell-dns and masquerade tunnel traffic into the cell network', async () => {
    const cell = { network: '172.20.0.0/16', dns: { host: '172.20.0.3', port: 53 } };
    const rules = renderServerPeerRules(serverModel('home', server, [peer(1)], NOW, cell));
    await expect(rules.v4).toMatchFileSnapshot('../../golden/wireguard/peers-nat.rules');
    const off = renderServerPeerRules(serverModel('home', server, [peer(1)], NOW, { ...cell, dns: null })).v4;
    expect(off).not.toContain('DNAT');
    expect(off).toContain('-A PIC-WG-NAT -s 10.0.0.0/24 -d 172.20.0.0/16 -j MASQUERADE');
    expect(() =>
      renderServerPeerRules(
        serverModel('home', server, [], NOW, { ...cell, dns: { host: '172.20.0.3 -j ACCEPT', port: 53 } }),
      ),
    ).toThrow(RenderError);
  });
});

it('comments keep only a safe alphabet', () => {
  expect(safeComment('a\r\nb[c]{d};e"f\'g\u0000h')).toBe('a??b?c??d??e?f?g?h');
});
