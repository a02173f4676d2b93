/**
 * Pure renderers for WireGuard configs: typed model in, text out. Every value is
 * checked against what WireGuard accepts for its key, and comments are reduced to
 * a safe alphabet, so no field can inject a line or a directive.
 */
import { GENERATED, RenderError, safeComment } from '../render-guard';

export { RenderError, safeComment };

const GENERATED_LINE = `# ${GENERATED}`;

export interface ServerPeer {
  id: number;
  name: string;
  /** Its place in the tunnel's subnet: the files list the peers in this order. */
  hostIndex: number;
  publicKey: string;
  presharedKey: string | null;
  /** The peer's own addresses (/32, /128): what the cell routes to it. */
  allowedIps: string[];
}

export interface ServerModel {
  cellName: string;
  privateKey: string;
  /** The cell's tunnel addresses with the subnet's prefix, like 10.0.0.1/24. */
  addresses: string[];
  listenPort: number;
  mtu: number | null;
  peers: ServerPeer[];
}

export interface ClientModel {
  cellName: string;
  peerName: string;
  /** Null when the person brought their own key pair. */
  privateKey: string | null;
  addresses: string[];
  dns: string[];
  mtu: number | null;
  server: {
    publicKey: string;
    presharedKey: string | null;
    allowedIps: string[];
    endpoint: string;
    persistentKeepalive: number;
  };
}

type Entry = readonly [key: string, value: string | number | null | undefined];
interface Section {
  comments: string[];
  name: 'Interface' | 'Peer';
  entries: Entry[];
}

const KEY = /^[A-Za-z0-9+/]{43}=$/;
const CIDR_LIST = /^[0-9a-fA-F.:/]+(, [0-9a-fA-F.:/]+)*$/;
const ENDPOINT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]):[0-9]{1,5}$/;
const ADDRESS_LIST = /^[0-9a-fA-F.:]+(, [0-9a-fA-F.:]+)*$/;
const VALUE_RULES: Record<string, RegExp> = {
  PrivateKey: KEY,
  PublicKey: KEY,
  PresharedKey: KEY,
  Address: CIDR_LIST,
  AllowedIPs: CIDR_LIST,
  DNS: ADDRESS_LIST,
  Endpoint: ENDPOINT,
  ListenPort: /^[0-9]{1,5}$/,
  MTU: /^[0-9]{3,5}$/,
  PersistentKeepalive: /^[0-9]{1,5}$/,
};

function serialize(sections: Section[], header: string[]): string {
  return [...headerLines(header), ...sectionLines(sections)].join('\n') + '\n';
}

const headerLines = (header: string[]) => [GENERATED_LINE, ...header.map((h) => `# ${safeComment(h)}`)];

/** The sections' lines, each value checked against what WireGuard accepts for its key. */
function sectionLines(sections: Section[]): string[] {
  const lines: string[] = [];
  for (const section of sections) {
    lines.push('', ...section.comments.map((c) => `# ${safeComment(c)}`), `[${section.name}]`);
    for (const [key, raw] of section.entries) {
      if (raw === null || raw === undefined) continue;
      const value = String(raw);
      const rule = VALUE_RULES[key];
      if (!rule) throw new RenderError(`unknown key ${key}`);
      if (!rule.test(value))
        throw new RenderError(`refusing to render ${key}: ${JSON.stringify(value).slice(0, 80)} is not a valid value`);
      lines.push(`${key} = ${value}`);
    }
  }
  return lines;
}

function interfaceSection(m: ServerHead, full: boolean): Section {
  return {
    comments: [],
    name: 'Interface',
    entries: [
      ['PrivateKey', m.privateKey],
      // wg-quick reads these; `wg syncconf` does not accept them (what `wg-quick strip` removes).
      ['Address', full ? m.addresses.join(', ') : null],
      ['MTU', full ? m.mtu : null],
      ['ListenPort', m.listenPort],
    ],
  };
}

/** The server's own part of its files: everything but the peers. */
export type ServerHead = Omit<ServerModel, 'peers'>;

/** One peer's section of the server's files, its values checked; the files are the head and these in order. */
export function renderPeerSection(p: ServerPeer): string {
  return sectionLines([
    {
      comments: [`Peer: ${p.name} (id ${p.id})`],
      name: 'Peer',
      entries: [
        ['PublicKey', p.publicKey],
        ['PresharedKey', p.presharedKey],
        ['AllowedIPs', p.allowedIps.join(', ')],
      ],
    },
  ]).join('\n');
}

function serverFile(head: ServerHead, full: boolean, peers: readonly string[]): string {
  const header = full
    ? [`Cell: ${head.cellName}`, `Peers: ${peers.length}`]
    : [`Cell: ${head.cellName} (stripped for wg syncconf)`];
  return [...headerLines(header), ...sectionLines([interfaceSection(head, full)]), ...peers].join('\n') + '\n';
}

/** wg0.conf (as wg-quick reads it) and its form without wg-quick's keys (the input of `wg syncconf`). */
export function serverFilesOf(head: ServerHead, peers: readonly string[]): { full: string; sync: string } {
  return { full: serverFile(head, true, peers), sync: serverFile(head, false, peers) };
}

/** Both files, each peer's section rendered and checked once. */
export const renderServerFiles = (m: ServerModel) => serverFilesOf(m, m.peers.map(renderPeerSection));

/** The server's wg0.conf, as wg-quick reads it. */
export const renderServerConfig = (m: ServerModel): string => renderServerFiles(m).full;

/** The same config without wg-quick's keys: the input of `wg syncconf` / `wg setconf`. */
export const renderServerSyncConfig = (m: ServerModel): string => renderServerFiles(m).sync;

export const CLIENT_KEY_PLACEHOLDER = 'PASTE_YOUR_PRIVATE_KEY_HERE';

/** A client's config; with a brought-own key the PrivateKey line is a placeholder to fill in. */
export function renderClientConfig(m: ClientModel): string {
  const ownKey = m.privateKey === null;
  const text = serialize(
    [
      {
        comments: ownKey
          ? ['Replace the placeholder below with the private key that belongs to the public key you gave the cell.']
          : [],
        name: 'Interface',
        entries: [
          ['PrivateKey', m.privateKey ?? 'A'.repeat(43) + '='],
          ['Address', m.addresses.join(', ')],
          ['DNS', m.dns.length ? m.dns.join(', ') : null],
          ['MTU', m.mtu],
        ],
      },
      {
        comments: [`Cell: ${m.cellName}`],
        name: 'Peer',
        entries: [
          ['PublicKey', m.server.publicKey],
          ['PresharedKey', m.server.presharedKey],
          ['AllowedIPs', m.server.allowedIps.join(', ')],
          ['Endpoint', m.server.endpoint],
          ['PersistentKeepalive', m.server.persistentKeepalive || null],
        ],
      },
    ],
    [`Peer: ${m.peerName} on cell ${m.cellName}`],
  );
  // The placeholder is swapped in after validation: it is deliberately not a valid key.
  return ownKey ? text.replace(`PrivateKey = ${'A'.repeat(43)}=`, `PrivateKey = ${CLIENT_KEY_PLACEHOLDER}`) : text;
}

/** `host:port`, with an IPv6 literal in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
