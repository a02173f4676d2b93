/**
 * The one place that writes wg0.conf and touches the interface. Applies run one at
 * a time; each renders from the database as it is then, so a burst of changes
 * converges to the latest state. Without a reachable backend the change stays
 * pending (revision > appliedRevision) and the reconcile loop applies it later.
 */
import path from 'node:path';
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db';
import { wireguardSettings } from '../../db/schema';
import { writeConfig } from '../../runtime/components';
import { logger } from '../../runtime/logger';
import { dataPaths } from '../../runtime/paths';
import { serialQueue } from '../../runtime/serial';
import { BackendUnavailableError, backendFromEnv, type WgBackend } from './backend';
import { renderServerConfig, renderServerPeerRules, renderServerSyncConfig } from './render';
import { findServer, loadServerModel } from './state';
import { interfaceDrift, parseDump, type InterfaceLive } from './status';

const log = logger.child('wireguard');

export type ApplyResult = { state: 'applied'; via: string } | { state: 'pending'; reason: string };

/** What changed, so a backend with single-peer commands can avoid a full sync. */
export interface PeerChange {
  peerIds?: number[];
  removedKeys?: string[];
}

let backendOverride: WgBackend | null = null;
/** Tests and benchmarks pass their own backend; `null` goes back to the environment's. */
export function useWireguardBackend(backend: WgBackend | null): void {
  backendOverride = backend;
  liveCache = null;
  rulesInPlace = null;
}
function backend(): WgBackend {
  return backendOverride ?? backendFromEnv();
}

export const CONTAINER_CONFIG_DIR = '/config';
export const configFiles = () => {
  const dir = dataPaths.config('wireguard');
  return {
    full: path.join(dir, 'wg0.conf'),
    sync: path.join(dir, 'wg0.sync.conf'),
    rules: path.join(dir, 'peers.rules'),
    rules6: path.join(dir, 'peers6.rules'),
  };
};

/** The peer-to-peer rule text this process last loaded; rules are reloaded only when it changes. */
let rulesInPlace: string | null = null;

const serially = serialQueue();

async function applyNow(db: Db, change: PeerChange | undefined): Promise<ApplyResult> {
  const snapshot = loadServerModel(db, new Date());
  if (!snapshot) return { state: 'pending', reason: 'The WireGuard interface is not configured yet' };
  const { model, revision, appliedRevision } = snapshot;
  const files = configFiles();
  writeConfig('wireguard', 'wg0.conf', renderServerConfig(model), 0o600);
  const syncText = renderServerSyncConfig(model);
  writeConfig('wireguard', 'wg0.sync.conf', syncText, 0o600);
  const rules = renderServerPeerRules(model);
  writeConfig('wireguard', 'peers.rules', rules.v4, 0o600);
  writeConfig('wireguard', 'peers6.rules', rules.v6 ?? '', 0o600);
  const rulesKey = `${rules.v4}\n${rules.v6 ?? ''}`;
  let target: WgBackend | undefined;
  try {
    target = backend();
    const rulesCurrent = !target.applyPeerRules || rulesInPlace === rulesKey;
    if (appliedRevision >= revision && rulesCurrent) return { state: 'applied', via: 'already in place' };
    // Only when the interface held the previous revision is a single-peer step enough.
    const single = change && revision === appliedRevision + 1 && target.setPeer && target.removePeer;
    // After a restart the interface may be current while its rules are not: then only the rules load.
    if (appliedRevision < revision && single) {
      for (const key of change.removedKeys ?? []) await target.removePeer!(key);
      for (const id of change.peerIds ?? []) {
        const peer = model.peers.find((p) => p.id === id);
        if (peer) await target.setPeer!(peer);
      }
    } else if (appliedRevision < revision) {
      await target.sync({ file: files.sync, containerPath: `${CONTAINER_CONFIG_DIR}/wg0.sync.conf` });
    }
    if (!rulesCurrent) {
      await target.applyPeerRules!(rules);
      rulesInPlace = rulesKey;
    }
    db.update(wireguardSettings)
      .set({ appliedRevision: revision, applyError: null })
      .where(and(eq(wireguardSettings.id, 1), lt(wireguardSettings.appliedRevision, revision)))
      .run();
    liveCache = null;
    return { state: 'applied', via: `${single ? 'wg set' : 'wg syncconf'} on ${target.description}` };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    db.update(wireguardSettings).set({ applyError: reason }).where(eq(wireguardSettings.id, 1)).run();
    if (!(err instanceof BackendUnavailableError)) log.error('apply failed', { err, backend: target?.description });
    return { state: 'pending', reason };
  }
}

/** Render, write and apply the current state; resolves with what happened. */
export function applyWireguard(db: Db, change?: PeerChange): Promise<ApplyResult> {
  return serially(() => applyNow(db, change));
}

/**
 * Compares the interface with what the cell wants (key, port, peers and their allowed IPs)
 * and, on any difference, loads everything again: a recreated, empty interface is noticed
 * and repaired. Null when there is nothing to compare or nothing differs.
 */
export function repairDrift(db: Db): Promise<{ reason: string; result: ApplyResult } | null> {
  return serially(async () => {
    const server = findServer(db);
    const snapshot = loadServerModel(db, new Date());
    // A pending change goes through the ordinary apply; no backend: nothing to compare.
    if (!server || !snapshot || snapshot.appliedRevision < snapshot.revision) return null;
    let live: InterfaceLive;
    try {
      live = parseDump(await backend().dump());
    } catch {
      return null;
    }
    const reason = interfaceDrift(
      { publicKey: server.publicKey, listenPort: server.listenPort, peers: snapshot.model.peers },
      live,
    );
    if (!reason) return null;
    interfaceReset(db);
    return { reason, result: await applyNow(db, undefined) };
  });
}

/** A new interface (a new WireGuard container) holds nothing: the next apply loads config and rules again. */
export function interfaceReset(db: Db): void {
  db.update(wireguardSettings).set({ appliedRevision: 0 }).where(eq(wireguardSettings.id, 1)).run();
  rulesInPlace = null;
  liveCache = null;
}

let liveCache: { at: number; value: InterfaceLive | null; error: string | null } | null = null;
const LIVE_TTL_MS = 5_000;

/** The interface's live state, read at most every few seconds; null when no backend answers. */
export async function liveStatus(): Promise<{ live: InterfaceLive | null; error: string | null }> {
  if (liveCache && Date.now() - liveCache.at < LIVE_TTL_MS) return { live: liveCache.value, error: liveCache.error };
  try {
    const live = parseDump(await backend().dump());
    liveCache = { at: Date.now(), value: live, error: null };
  } catch (err) {
    liveCache = { at: Date.now(), value: null, error: err instanceof Error ? err.message : String(err) };
  }
  return { live: liveCache.value, error: liveCache.error };
}
