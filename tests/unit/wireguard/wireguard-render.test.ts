import { describe, expect, it } from 'vitest';
import {
  clientModel,
  endpointWarning,
  serverModel,
  type PeerRow,
  type ServerRow,
} from '@/server/managers/wireguard/model';
import {
  renderClientConfig,
  renderServerConfig,
  renderServerFiles,
  renderServerSyncConfig,
  RenderError,
  safeComment,
  type ClientModel,
  type ServerModel,
} from '@/server/managers/wireguard/render';
import { goldenCases } from '../../helpers/golden';

// Fixed keys make the goldens stable; they are valid 32-byte base64 values.
const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const NOW = new Date('2026-11-23T12:00:00Z');

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

describe('goldens', () => {
  it.each(goldenCases<ServerModel>('wireguard-server'))('wg0.conf $name', async ({ input, expected }) => {
    await expect(renderServerConfig(input)).toMatchFileSnapshot(expected);
  });
  it.each(goldenCases<ServerModel>('wireguard-sync'))('wg0.sync.conf $name', async ({ input, expected }) => {
    await expect(renderServerSyncConfig(input)).toMatchFileSnapshot(expected);
  });
  it.each(goldenCases<ClientModel>('wireguard-client'))('client $name', async ({ input, expected }) => {
    await expect(renderClientConfig(input)).toMatchFileSnapshot(expected);
  });
});

describe('server wg0.conf', () => {
  it('lists peers in address order', () => {
    const text = render([5, 3, 1, 4, 2].map((i) => peer(i)));
    const order = [...text.matchAll(/^AllowedIPs = 10\.0\.0\.(\d+)/gm)].map((m) => Number(m[1]));
    expect(order).toEqual([2, 3, 4, 5, 6]);
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
    expect(text).toContain(key(104));
  });

  it('keeps hostile names inside comments', async () => {
    const hostile = [peer(1, { name: 'evil\n[Peer]\nPublicKey = x' }), peer(2, { name: 'a; rm -rf /{}"\'' })];
    const text = render(hostile, server, 'cell\nPostUp = curl evil');
    expect(text).not.toMatch(/^PostUp/m);
    expect(text.match(/^\[Peer\]$/gm)).toHaveLength(2);
    expect(text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('['))).toHaveLength(3 + 2 * 3);
  });

  it('strips wg-quick keys for wg syncconf', async () => {
    const text = renderServerSyncConfig(serverModel('home', { ...server, mtu: 1400 }, [peer(1)], NOW));
    expect(text).not.toMatch(/^(Address|MTU) =/m);
  });

  it('renders both files at once as each is rendered alone, refusing the same values', () => {
    const model = serverModel('home', { ...server, mtu: 1400 }, [peer(1), peer(2)], NOW);
    expect(renderServerFiles(model)).toEqual({ full: renderServerConfig(model), sync: renderServerSyncConfig(model) });
    model.peers[1]!.presharedKey = 'x\nEndpoint = evil:1';
    expect(() => renderServerFiles(model)).toThrow(/PresharedKey/);
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

describe('endpoint warning', () => {
  const warn = (endpointHost: string | null, domain = 'home.example.org') =>
    endpointWarning({ ...server, endpointHost }, domain);

  it.each([
    'home.home.arpa',
    'router.lan',
    'nas.local',
    'cellhost',
    '192.168.1.20',
    '10.1.2.3',
    '100.64.0.9',
    'fd00::1',
  ])('warns that %s only works at home', (host) => {
    expect(warn(host)).toMatch(new RegExp(`^Peer configs use ${host.replace(/\./g, '\\.')}, .*endpoint host`));
  });

  it.each(['vpn.example.org', '203.0.113.7', '2001:db8::1'])('accepts %s', (host) => {
    expect(warn(host)).toBeNull();
  });

  it('falls back to the domain when no endpoint host is set', () => {
    expect(warn(null, 'cell.home.arpa')).toMatch(/cell\.home\.arpa, a name only this network can resolve/);
    expect(warn(null)).toBeNull();
  });
});

describe('client config', () => {
  it('routes the DNS address it names, even when the custom networks leave it out', () => {
    const text = client(peer(1, { routingPolicy: 'custom', allowedIps: ['192.168.1.0/24', '10.10.0.0/16'] }));
    expect(text).toMatch(/^DNS = 10\.0\.0\.1$/m);
    expect(text).toMatch(/^AllowedIPs = 192\.168\.1\.0\/24, 10\.10\.0\.0\/16, 10\.0\.0\.1\/32$/m);
    const covered = client(peer(1, { routingPolicy: 'custom', allowedIps: ['10.0.0.0/8'] }));
    expect(covered).toMatch(/^AllowedIPs = 10\.0\.0\.0\/8$/m);
  });

  it('cell only routes the cell and its network; with peer-to-peer the tunnel too', () => {
    expect(client(peer(1, { routingPolicy: 'cell' }))).toContain('AllowedIPs = 10.0.0.1/32, 172.20.0.0/16');
    expect(client(peer(1, { routingPolicy: 'cell', peerToPeer: true }))).toMatch(/^AllowedIPs = 10\.0\.0\.0\/24/m);
  });

  it('with a brought-own key has a placeholder instead of a private key', () => {
    expect(client(peer(1, { privateKey: null }))).toContain('PrivateKey = PASTE_YOUR_PRIVATE_KEY_HERE');
  });

  it('keeps a hostile peer name in its comment', () => {
    const text = client(peer(1, { name: 'x\nDNS = 6.6.6.6' }));
    expect(text).not.toMatch(/^DNS = 6/m);
    expect(text).toContain('# Peer: x?DNS = 6.6.6.6 on cell home');
  });
});

it('comments keep only a safe alphabet', () => {
  expect(safeComment('a\r\nb[c]{d};e"f\'g\u0000h')).toBe('a??b?c??d??e?f?g?h');
});
