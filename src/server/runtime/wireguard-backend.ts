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
  /**
   * Load the peer-to-peer rule sets; with `checkHooks`, also make sure traffic between peers
   * passes through them (the hooks in the built-in chains, checked now and then, not every time).
   */
  applyPeerRules?(rules: { v4: string; v6: string | null }, opts?: { checkHooks?: boolean }): Promise<void>;
  /** Whether the peer rules are hooked in where the interface lives: false after its firewall was emptied (a restart). */
  peerRulesHooked?(): Promise<boolean>;
}
