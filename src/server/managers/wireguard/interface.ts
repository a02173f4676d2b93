/**
 * This process's view of the tunnel's interface: where the cell's runtime applies it, what
 * was last loaded there (rule sets, hooks), and its live state, read at most every few seconds.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { wireguardSettings } from '../../db/schema';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf, type Runtime } from '../../runtime/runtime';
import { backendFromEnv, type WgBackend } from './backend';
import type { ServerHead } from './render';
import { parseDump, type InterfaceLive } from './status';

export interface FileParts {
  db: Db;
  head: ServerHead;
  peers: Map<string, { hostIndex: number; section: string }>;
}

/** Peers' changes waiting for the apply queue together; its next run takes them all at once. */
export interface Batch {
  db: Db;
  peerIds: number[];
  removedKeys: string[];
  /** How many changes (each one committed revision) it carries. */
  count: number;
  result: Promise<{ state: 'applied'; via: string } | { state: 'pending'; reason: string }>;
}

type LiveCache = { at: number; value: InterfaceLive | null; error: string | null };

/** This process's view of the interface, once per process (see processWide). */
export const wg = processWide('wireguard.apply', () => ({
  /** The backend the state below belongs to: another one (a test's database) starts afresh. */
  backendInUse: null as WgBackend | null,
  /** Files lag behind a single-peer change until the coalesced render runs (off the request path). */
  filesStale: false,
  filesTimer: null as NodeJS.Timeout | null,
  /** The render reads the database the latest change went to. */
  filesDb: null as Db | null,
  /**
   * The files' parts as the database holds them now (its head, and each active peer's section
   * by public key), kept by every apply: the files after a peer's change re-render only its
   * own section. Null when not known (another database, a failed apply).
   */
  fileParts: null as FileParts | null,
  liveCache: null as LiveCache | null,
  liveReading: null as Promise<LiveCache> | null,
  /** Single-peer applies committed and not finished yet (queued or running). */
  pendingDeltas: 0,
  /** The batch of peers' changes waiting for the apply queue's next run (apply.ts). */
  waiting: null as Batch | null,
}));

/** The environment's backend, built once per runtime. */
const fromEnv = new WeakMap<Runtime, WgBackend>();

/** Where this cell's runtime applies the tunnel (a test's recorder, a bench's interface, or the environment's). */
export function backend(db: Db): WgBackend {
  const runtime = runtimeOf(db);
  let chosen = runtime.wireguard ?? fromEnv.get(runtime);
  if (!chosen) fromEnv.set(runtime, (chosen = backendFromEnv(runtime.env, runtime.engine)));
  if (wg.backendInUse !== chosen) {
    wg.backendInUse = chosen;
    wg.liveCache = null;
  }
  return chosen;
}

/** A new interface (a new WireGuard container) holds nothing: the next apply loads config and rules again. */
export function interfaceReset(db: Db): void {
  db.update(wireguardSettings).set({ appliedRevision: 0 }).where(eq(wireguardSettings.id, 1)).run();
  wg.liveCache = null;
}

const LIVE_TTL_MS = 5_000;

/** The interface's live state, read at most every few seconds; null when no backend answers. */
export async function liveStatus(db: Db): Promise<{ live: InterfaceLive | null; error: string | null }> {
  const target = backend(db);
  if (wg.liveCache && Date.now() - wg.liveCache.at < LIVE_TTL_MS)
    return { live: wg.liveCache.value, error: wg.liveCache.error };
  // Requests arriving together share one look at the interface.
  wg.liveReading ??= target
    .dump()
    .then(
      (dump) => ({ at: Date.now(), value: parseDump(dump), error: null }),
      (err: unknown) => ({ at: Date.now(), value: null, error: err instanceof Error ? err.message : String(err) }),
    )
    .then((cache) => (wg.liveCache = cache))
    .finally(() => (wg.liveReading = null));
  const cache = await wg.liveReading;
  return { live: cache.value, error: cache.error };
}
