/**
 * The userspace WireGuard's own control socket (wireguard-go's UAPI, the same protocol
 * `wg` speaks to it): a peer is set or removed with one write and one read, without
 * spawning a process or putting a key in a file. Kernel WireGuard has no such socket.
 */
import fs from 'node:fs';
import net from 'node:net';

export const uapiSocket = (iface: string) => `/var/run/wireguard/${iface}.sock`;

export const hasUapi = (iface: string) => {
  try {
    return fs.statSync(uapiSocket(iface)).isSocket();
  } catch {
    return false;
  }
};

const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

/** One `set=1` operation; resolves when the device answers `errno=0`. */
export function uapiSet(iface: string, lines: string[], timeoutMs = 5_000): Promise<void> {
  if (lines.some((l) => /[\n\r]/.test(l))) return Promise.reject(new Error('UAPI lines may not hold line breaks'));
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(uapiSocket(iface));
    let answer = '';
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${iface} did not answer on its control socket`)));
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      answer += c;
      if (!answer.endsWith('\n\n')) return;
      sock.end();
      const errno = /^errno=(-?\d+)$/m.exec(answer)?.[1];
      if (errno === '0') resolve();
      else reject(new Error(`${iface} refused the change (errno ${errno ?? 'missing'})`));
    });
    sock.on('error', reject);
    sock.write(`set=1\n${lines.join('\n')}\n\n`);
  });
}

type Peer = { publicKey: string; presharedKey: string | null; allowedIps: string[] };

const peerLines = (p: Peer) => [
  `public_key=${hex(p.publicKey)}`,
  `preshared_key=${p.presharedKey ? hex(p.presharedKey) : '0'.repeat(64)}`,
  'replace_allowed_ips=true',
  ...p.allowedIps.map((ip) => `allowed_ip=${ip}`),
];
const removeLines = (publicKey: string) => [`public_key=${hex(publicKey)}`, 'remove=true'];

export const uapiSetPeer = (iface: string, p: Peer) => uapiSet(iface, peerLines(p));

export const uapiRemovePeer = (iface: string, publicKey: string) => uapiSet(iface, removeLines(publicKey));

/** A batch in one operation: the removals, then each peer whole. */
export const uapiSetPeers = (iface: string, batch: { remove: string[]; set: Peer[] }) =>
  uapiSet(iface, [...batch.remove.flatMap(removeLines), ...batch.set.flatMap(peerLines)]);
