/** What the tunnel's appliers ask of wherever the interface lives (a container, a local interface, a test's recorder). */

export class BackendUnavailableError extends Error {}

export interface PeerSpec {
  publicKey: string;
  presharedKey: string | null;
  allowedIps: string[];
}

/** Several peers' changes at once: the keys removed first, then each peer set whole. */
export interface PeerBatch {
  remove: string[];
  set: PeerSpec[];
}

export interface WgBackend {
  readonly description: string;
  /** Make the interface hold exactly this config (stripped form), without dropping unchanged peers. */
  sync(config: { file: string; containerPath: string }): Promise<void>;
  /** Optional single-peer fast paths. */
  setPeer?(peer: PeerSpec): Promise<void>;
  removePeer?(publicKey: string): Promise<void>;
  /** Optional: a batch of peers' changes in one command (changes that queued together). */
  setPeers?(batch: PeerBatch): Promise<void>;
  /** `wg show <iface> dump`. */
  dump(): Promise<string>;
  /** The interface's name where it lives (`wg0`): the firewall filters what arrives on it. */
  readonly iface?: string;
  /** Runs a command where the interface lives (iptables for the firewall); never throws on a non-zero exit. */
  netfilter?: Runner;
}

/**
 * A command as an argument array, with optional standard input and inputs on descriptors 3
 * and up (`fds`, read as `/dev/fd/3`, …); resolves with its outcome.
 */
export type Runner = (
  argv: string[],
  input?: string,
  fds?: string[],
) => Promise<{ ok: boolean; out: string; err: string }>;
