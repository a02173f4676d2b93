/** Live interface state from `wg show <iface> dump`. */
import { formatCidr, parseCidr } from '@/lib/cidr';

export interface PeerLive {
  endpoint: string | null;
  allowedIps: string[];
  latestHandshake: Date | null;
  rxBytes: number;
  txBytes: number;
}

export interface InterfaceLive {
  publicKey: string;
  listenPort: number;
  peers: Map<string, PeerLive>;
}

/** A peer is online while its last handshake is under three minutes old. */
export const ONLINE_WINDOW_MS = 180_000;

export function isOnline(live: PeerLive | undefined, now: Date): boolean {
  return Boolean(live?.latestHandshake && now.getTime() - live.latestHandshake.getTime() < ONLINE_WINDOW_MS);
}

export function parseDump(text: string): InterfaceLive {
  const [head, ...rest] = text.split('\n').filter((l) => l.trim() !== '');
  const h = head?.split('\t') ?? [];
  if (h.length < 3) throw new Error('unexpected `wg show dump` output');
  const peers = new Map<string, PeerLive>();
  for (const line of rest) {
    const f = line.split('\t');
    if (f.length < 8) continue;
    const handshake = Number(f[4]);
    peers.set(f[0]!, {
      endpoint: f[2] === '(none)' ? null : f[2]!,
      allowedIps: f[3] === '(none)' ? [] : f[3]!.split(','),
      latestHandshake: handshake > 0 ? new Date(handshake * 1000) : null,
      rxBytes: Number(f[5]) || 0,
      txBytes: Number(f[6]) || 0,
    });
  }
  return { publicKey: h[1]!, listenPort: Number(h[2]), peers };
}

/** What the interface should hold: its key, its port and each peer with its allowed IPs. */
export interface ExpectedInterface {
  publicKey: string;
  listenPort: number;
  peers: { publicKey: string; allowedIps: string[] }[];
}

const canonical = (cidrs: string[]) =>
  cidrs
    .map((c) => {
      const parsed = parseCidr(c, { strict: false });
      return typeof parsed === 'string' ? c : formatCidr(parsed);
    })
    .sort()
    .join(',');

/**
 * How the interface differs from what the cell wants, or null when it holds exactly that.
 * A recreated, empty interface differs in its key and its peers.
 */
export function interfaceDrift(want: ExpectedInterface, live: InterfaceLive): string | null {
  if (live.publicKey !== want.publicKey) return `the interface runs another key (${live.publicKey.slice(0, 8)}…)`;
  if (live.listenPort !== want.listenPort) return `the interface listens on ${live.listenPort}, not ${want.listenPort}`;
  const missing = want.peers.filter((p) => !live.peers.has(p.publicKey));
  if (missing.length) return `${missing.length} of ${want.peers.length} peers are missing from the interface`;
  const wanted = new Set(want.peers.map((p) => p.publicKey));
  const extra = [...live.peers.keys()].filter((k) => !wanted.has(k));
  if (extra.length) return `the interface holds ${extra.length} peers the cell does not have`;
  const moved = want.peers.filter(
    (p) => canonical(live.peers.get(p.publicKey)!.allowedIps) !== canonical(p.allowedIps),
  );
  if (moved.length) return `${moved.length} peers have other allowed IPs on the interface`;
  return null;
}
