/** What the tunnel's appliers ask of wherever the interface lives (a container, a local interface, a test's recorder). */

export class BackendUnavailableError extends Error {}

export interface PeerSpec {
  publicKey: string;
  presharedKey: string | null;
  allowedIps: string[];
}

export interface WgBackend {
  readonly description: string;
  /** Make the interface hold exactly this config (stripped form), without dropping unchanged peers. */
  sync(config: { file: string; containerPath: string }): Promise<void>;
  /** Optional single-peer fast paths. */
  setPeer?(peer: PeerSpec): Promise<void>;
  removePeer?(publicKey: string): Promise<void>;
  /** `wg show <iface> dump`. */
  dump(): Promise<string>;
  /** The interface's name where it lives (`wg0`): the firewall filters what arrives on it. */
  readonly iface?: string;
  /** Runs a command where the interface lives (iptables for the firewall); never throws on a non-zero exit. */
  netfilter?: Runner;
}

/** A command as an argument array, with optional standard input; resolves with its outcome. */
export type Runner = (argv: string[], input?: string) => Promise<{ ok: boolean; out: string; err: string }>;
