import fs from 'node:fs';
import {
  BackendUnavailableError,
  type PeerBatch,
  type PeerSpec,
  type WgBackend,
} from '@/server/managers/wireguard/backend';

/** A backend that records what the applier asked of it, and can be switched off. */
export function recordingBackend(opts: { rules?: boolean; batches?: boolean } = {}) {
  const calls: {
    op: 'sync' | 'set' | 'remove' | 'rules' | 'batch';
    text?: string;
    peer?: PeerSpec;
    publicKey?: string;
    batch?: PeerBatch;
  }[] = [];
  let down: string | null = null;
  const guard = () => {
    if (down) throw new BackendUnavailableError(down);
  };
  const backend: WgBackend = {
    description: 'recording backend',
    sync: async ({ file }) => {
      guard();
      calls.push({ op: 'sync', text: fs.readFileSync(file, 'utf8') });
    },
    setPeer: async (peer) => {
      guard();
      calls.push({ op: 'set', peer });
    },
    removePeer: async (publicKey) => {
      guard();
      calls.push({ op: 'remove', publicKey });
    },
    dump: async () => {
      guard();
      return 'priv\tpub\t51820\toff\n';
    },
  };
  // With batches: peers' changes that queued together come as one call.
  if (opts.batches)
    backend.setPeers = async (batch) => {
      guard();
      calls.push({ op: 'batch', batch });
    };
  // With rules: the firewall's documents are recorded too (what iptables-restore is given).
  if (opts.rules)
    backend.netfilter = async (argv, input) => {
      guard();
      if (argv[0]!.endsWith('-restore')) calls.push({ op: 'rules', text: input });
      return { ok: true, out: '', err: '' };
    };
  return { backend, calls, setDown: (reason: string | null) => (down = reason) };
}
