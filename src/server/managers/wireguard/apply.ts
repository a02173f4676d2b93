/**
 * The one place that writes wg0.conf and touches the interface. Applies run one at
 * a time; each renders from the database as it is then, so a burst of changes
 * converges to the latest state. Without a reachable backend the change stays
 * pending (revision > appliedRevision) and the reconcile loop applies it later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { wireguardSettings } from '../../db/schema';
import { writeConfig } from '../../runtime/components';
import { logger } from '../../runtime/logger';
import type { CellPaths } from '../../runtime/paths';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { BackendUnavailableError, type WgBackend } from './backend';
import { backend, interfaceReset, wg, type Batch, type FileParts } from './interface';
import { renderPeerSection, serverFilesOf, type ServerModel, type ServerPeer } from './render';
import { isActive, planOf, withPrefix } from './model';
import { decrypted, findServer, loadServerModel, peersByIds } from './state';
import { interfaceDrift, parseDump, type InterfaceLive } from './status';

const log = logger.child('wireguard');

export type ApplyResult = { state: 'applied'; via: string } | { state: 'pending'; reason: string };

/** What changed, so a backend with single-peer commands can avoid a full sync. */
export interface PeerChange {
  peerIds?: number[];
  removedKeys?: string[];
}

export const CONTAINER_CONFIG_DIR = '/config';
export const configFiles = (paths: CellPaths) => {
  const dir = paths.config('wireguard');
  return {
    full: path.join(dir, 'wg0.conf'),
    sync: path.join(dir, 'wg0.sync.conf'),
  };
};

const serially = serialQueue('wireguard.apply');

/** Writes wg0.conf and its stripped form (the rule sets of older cells go: the firewall owns rules). */
function writeParts(parts: FileParts): void {
  const rt = runtimeOf(parts.db);
  const peers = [...parts.peers.values()].sort((a, b) => a.hostIndex - b.hostIndex).map((p) => p.section);
  const { full, sync } = serverFilesOf(parts.head, peers);
  writeConfig(rt, 'wireguard', 'wg0.conf', full, 0o600);
  writeConfig(rt, 'wireguard', 'wg0.sync.conf', sync, 0o600);
  for (const old of ['peers.rules', 'peers6.rules'])
    fs.rmSync(path.join(/* turbopackIgnore: true */ rt.paths.config('wireguard'), old), { force: true });
}

/** The files from the full model; their parts are kept for the peers' changes after it. */
function writeFiles(db: Db, model: ServerModel): void {
  const { peers, ...head } = model;
  const parts: FileParts = { db, head, peers: new Map() };
  for (const p of peers) parts.peers.set(p.publicKey, { hostIndex: p.hostIndex, section: renderPeerSection(p) });
  writeParts(parts);
  wg.fileParts = parts;
}

/** The files follow a burst of single-peer changes at most once a second (their render grows with the peers). */
const FILES_DELAY_MS = 1_000;

function scheduleFiles(db: Db): void {
  wg.filesStale = true;
  // The render reads the database the latest change went to.
  wg.filesDb = db;
  if (wg.filesTimer) return;
  wg.filesTimer = setTimeout(() => {
    wg.filesTimer = null;
    void flushWireguardFiles(wg.filesDb!).catch((err) => log.error('could not render the WireGuard files', { err }));
  }, FILES_DELAY_MS);
  wg.filesTimer.unref?.();
}

/**
 * Brings wg0.conf and the rule files up to date now if a change left them behind (tests,
 * backups), or always with `force` (at start: a stop may have come before the render).
 */
export function flushWireguardFiles(db: Db, { force = false } = {}): Promise<void> {
  return serially(async () => {
    if (!wg.filesStale && !force) return;
    if (!force && wg.fileParts?.db === db) writeParts(wg.fileParts);
    else {
      const snapshot = loadServerModel(db, runtimeOf(db).clock());
      if (snapshot) writeFiles(db, snapshot.model);
    }
    wg.filesStale = false;
  });
}

/**
 * Sets these peers on the interface: in one go where the backend takes a batch, else one by
 * one. A key both removed and set (a peer disabled and enabled again) is only set: setting a
 * peer replaces it whole.
 */
async function setPeersOn(target: WgBackend, remove: string[], set: ServerPeer[]): Promise<void> {
  const setting = new Set(set.map((p) => p.publicKey));
  const removing = [...new Set(remove)].filter((k) => !setting.has(k));
  if (!removing.length && !set.length) return;
  if (target.setPeers) return target.setPeers({ remove: removing, set });
  for (const key of removing) await target.removePeer!(key);
  for (const p of set) await target.setPeer!(p);
}

/**
 * The changes of a few peers applied as a delta, when the interface holds the revision before
 * them: only those peers are read and set, nothing that grows with the number of peers runs
 * here. `count` changes (committed revisions) are carried. Null when the full path is needed.
 */
async function applyDelta(db: Db, change: Batch, target: WgBackend): Promise<ApplyResult | null> {
  const server = findServer(db);
  if (!server || !target.setPeer || !target.removePeer) return null;
  // A full apply already took these changes in.
  if (server.appliedRevision >= server.revision) return { state: 'applied', via: 'already in place' };
  // Every revision not yet on the interface must belong to a single-peer change queued here
  // (concurrent creates each apply their own peer); anything else needs the full way.
  if (server.revision - server.appliedRevision > wg.pendingDeltas) return null;
  const now = runtimeOf(db).clock();
  const plan = planOf(server);
  const rows = peersByIds(db, [...new Set(change.peerIds)]);
  const parts = wg.fileParts?.db === db ? wg.fileParts : null;
  const set: ServerPeer[] = [];
  const remove = [...change.removedKeys];
  for (const r of rows) {
    if (!isActive(r, now)) {
      remove.push(r.publicKey);
      continue;
    }
    set.push({
      id: r.id,
      name: r.name,
      hostIndex: r.hostIndex,
      publicKey: r.publicKey,
      presharedKey: decrypted(r.presharedKeyEnc, 'peers.preshared_key_enc'),
      allowedIps: withPrefix(plan, r.hostIndex, true),
    });
  }
  await setPeersOn(target, change.removedKeys, set);
  for (const key of remove) parts?.peers.delete(key);
  for (const p of set) parts?.peers.set(p.publicKey, { hostIndex: p.hostIndex, section: renderPeerSection(p) });
  // As many revisions further as changes carried: the other queued ones bring it up to the last commit.
  stepAppliedRevision(db).run({ steps: change.count });
  // The live view (handshakes, traffic) may lag a single-peer step by its few seconds: reads
  // between changes would otherwise each ask the interface again.
  scheduleFiles(db);
  return {
    state: 'applied',
    via: `wg set on ${target.description}${change.count > 1 ? ` (${change.count} changes at once)` : ''}`,
  };
}

const stepAppliedRevision = preparedQuery((db) =>
  db
    .update(wireguardSettings)
    .set({
      appliedRevision: sql`min(${wireguardSettings.appliedRevision} + ${sql.placeholder('steps')}, ${wireguardSettings.revision})`,
      applyError: null,
    })
    .where(eq(wireguardSettings.id, 1))
    .prepare(),
);

function markApplied(db: Db, revision: number): void {
  db.update(wireguardSettings)
    .set({ appliedRevision: revision, applyError: null })
    .where(and(eq(wireguardSettings.id, 1), lt(wireguardSettings.appliedRevision, revision)))
    .run();
  wg.liveCache = null;
}

async function applyNow(db: Db, change: Batch | undefined): Promise<ApplyResult> {
  let target: WgBackend | undefined;
  try {
    if (change) {
      target = backend(db);
      const delta = await applyDelta(db, change, target);
      if (delta) return delta;
    }
    const snapshot = loadServerModel(db, runtimeOf(db).clock());
    if (!snapshot) return { state: 'pending', reason: 'The WireGuard interface is not configured yet' };
    const { model, revision, appliedRevision } = snapshot;
    const files = configFiles(runtimeOf(db).paths);
    writeFiles(db, model);
    wg.filesStale = false;
    target ??= backend(db);
    if (appliedRevision >= revision) return { state: 'applied', via: 'already in place' };
    // Only when the interface held the revision before these changes is setting their peers enough.
    const single = change && revision === appliedRevision + change.count && target.setPeer && target.removePeer;
    if (single) {
      const ids = new Set(change.peerIds);
      await setPeersOn(
        target,
        change.removedKeys,
        model.peers.filter((p) => ids.has(p.id)),
      );
    } else {
      await target.sync({ file: files.sync, containerPath: `${CONTAINER_CONFIG_DIR}/wg0.sync.conf` });
    }
    markApplied(db, revision);
    return { state: 'applied', via: `${single ? 'wg set' : 'wg syncconf'} on ${target.description}` };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    db.update(wireguardSettings).set({ applyError: reason }).where(eq(wireguardSettings.id, 1)).run();
    if (!(err instanceof BackendUnavailableError)) log.error('apply failed', { err, backend: target?.description });
    // Whatever reached the interface, the files must describe the database: read it whole.
    wg.fileParts = null;
    scheduleFiles(db);
    return { state: 'pending', reason };
  }
}

/**
 * Render, write and apply the current state; resolves with what happened. Peers' changes that
 * arrive while an apply runs wait together and go to the interface in one batch: under many
 * clients, one run (and one command) carries them all instead of one each.
 */
export function applyWireguard(db: Db, change?: PeerChange): Promise<ApplyResult> {
  if (!change) return serially(() => applyNow(db, undefined));
  // Counted from the moment its change committed: the deltas queued behind this one account
  // for the revisions this apply does not carry.
  wg.pendingDeltas++;
  let batch = wg.waiting?.db === db ? wg.waiting : null;
  if (!batch) {
    const fresh: Batch = { db, peerIds: [], removedKeys: [], count: 0, result: Promise.resolve(null!) };
    fresh.result = serially(() => {
      // Its run begins: changes from now on wait for the next one.
      if (wg.waiting === fresh) wg.waiting = null;
      return applyNow(db, fresh).finally(() => (wg.pendingDeltas -= fresh.count));
    });
    wg.waiting = batch = fresh;
  }
  batch.peerIds.push(...(change.peerIds ?? []));
  batch.removedKeys.push(...(change.removedKeys ?? []));
  batch.count++;
  return batch.result;
}

/**
 * Compares the interface with what the cell wants (key, port, peers and their allowed IPs)
 * and, on any difference, loads everything again: a recreated, empty interface is noticed
 * and repaired. Null when there is nothing to compare or nothing differs.
 */
export function repairDrift(db: Db): Promise<{ reason: string; result: ApplyResult } | null> {
  return serially(async () => {
    const server = findServer(db);
    const snapshot = loadServerModel(db, runtimeOf(db).clock());
    // A pending change goes through the ordinary apply; no backend: nothing to compare.
    if (!server || !snapshot || snapshot.appliedRevision < snapshot.revision) return null;
    const target = backend(db);
    let live: InterfaceLive;
    try {
      live = parseDump(await target.dump());
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
