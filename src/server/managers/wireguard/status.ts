/** Live interface state from `wg show <iface> dump`. */

export interface PeerLive {
  endpoint: string | null;
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
      latestHandshake: handshake > 0 ? new Date(handshake * 1000) : null,
      rxBytes: Number(f[5]) || 0,
      txBytes: Number(f[6]) || 0,
    });
  }
  return { publicKey: h[1]!, listenPort: Number(h[2]), peers };
}
