/**
 * Installed services are reconciled like the core stack: at every start and whenever the
 * loop runs, each installed instance has its container, by digest, with the spec its row
 * gives; a container of the store that no instance owns is removed. An operation a restart
 * cut short is closed: a half-made install is taken back, a half-done removal or update
 * leaves the service installed as it was.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { routes, storeInstances, storeOperations } from '../../db/schema';
import { changed } from '../../runtime/changes';
import { logger } from '../../runtime/logger';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { cellFacts } from '../cell';
import { releaseOwner, serviceOwner } from '../names';
import { imagePresent } from '../containers';
import { removeContainerIfPresent, startServiceContainer, storeContainers } from './engine';
import { serviceContainer, serviceRoutes, serviceSpecHash } from './model';
import { inProgress } from './operation';
import { addressOf, instanceRows, manifestOfRow, setInstance } from './state';
import { instanceSpec } from './engine-steps';
import { holdServiceRoutes } from '../routes';

const log = logger.child('store');

export interface StoreReconcile {
  durationMs: number;
  actions: { instance: string; action: 'created' | 'recreated' | 'started' | 'removed' | 'failed'; reason: string }[];
}

/** Closes what a restart cut short; true when anything changed. */
export function recoverOperations(db: Db): boolean {
  const now = runtimeOf(db).clock();
  let touched = false;
  db.transaction((tx) => {
    for (const op of tx.select().from(storeOperations).where(eq(storeOperations.state, 'running')).all()) {
      if (inProgress({ operationId: op.id })) continue;
      tx.update(storeOperations)
        .set({ state: 'failed', error: 'interrupted: the cell restarted during it', finishedAt: now })
        .where(eq(storeOperations.id, op.id))
        .run();
      touched = true;
    }
    for (const row of instanceRows(tx)) {
      if (inProgress({ instanceId: row.id })) continue;
      if (row.state === 'installing') {
        releaseOwner(tx, serviceOwner(row.id));
        holdServiceRoutes(tx, row.id, [], now);
        tx.delete(storeInstances).where(eq(storeInstances.id, row.id)).run();
        touched = true;
      } else if (row.state !== 'installed') {
        setInstance(tx, row.id, { state: 'installed' });
        touched = true;
      }
    }
  });
  return touched;
}

// The same queue as the operations: a reconcile never meets a half-made install.
const serially = serialQueue('store.operations');

export function reconcileServices(db: Db): Promise<StoreReconcile> {
  return serially(() => reconcileNow(db));
}

/**
 * Each installed service's routes as its address and the cell's domain make them now (the
 * cell network may have moved, the domain changed); true when any had to be written again.
 */
export function syncServiceRoutes(db: Db): boolean {
  return db.transaction((tx) => {
    const domain = cellFacts(tx).domain;
    let touched = false;
    for (const row of instanceRows(tx).filter((r) => r.state === 'installed')) {
      const wanted = serviceRoutes(manifestOfRow(row), row.id, addressOf(tx, row.hostIndex), domain);
      const held = tx
        .select({ host: routes.host, path: routes.path, upstream: routes.upstream, access: routes.access })
        .from(routes)
        .where(eq(routes.service, row.id))
        .all();
      const key = (list: typeof held) =>
        JSON.stringify([...list].sort((a, b) => (a.host + a.path).localeCompare(b.host + b.path)));
      if (key(held) === key(wanted)) continue;
      holdServiceRoutes(tx, row.id, wanted, runtimeOf(db).clock());
      touched = true;
    }
    return touched;
  });
}

async function reconcileNow(db: Db): Promise<StoreReconcile> {
  const started = Date.now();
  if (syncServiceRoutes(db)) await changed(db, ['proxy'], { wait: true });
  const docker = await runtimeOf(db).engine.client();
  const actual = new Map((await storeContainers(docker)).map((c) => [c.name, c]));
  const actions: StoreReconcile['actions'] = [];
  const rows = instanceRows(db).filter((r) => r.state === 'installed');
  const wanted = new Set(rows.map((r) => serviceContainer(r.id)));
  for (const row of rows) {
    const spec = instanceSpec(db, row.id);
    const have = actual.get(spec.name);
    try {
      if (have && have.hash === serviceSpecHash(spec)) {
        if (have.running) continue;
        await docker.getContainer(have.id).start();
        actions.push({ instance: row.id, action: 'started', reason: 'it was stopped' });
        continue;
      }
      if (!(await imagePresent(docker, spec.image))) {
        actions.push({ instance: row.id, action: 'failed', reason: `image ${spec.image} is not on the engine` });
        continue;
      }
      await startServiceContainer(docker, row.id, spec);
      actions.push({
        instance: row.id,
        action: have ? 'recreated' : 'created',
        reason: have ? 'its spec changed' : 'it was missing',
      });
    } catch (err) {
      actions.push({ instance: row.id, action: 'failed', reason: (err as Error).message });
    }
  }
  for (const c of actual.values()) {
    // No operation runs meanwhile (one queue): an update's `…-next` left here was cut short.
    if (wanted.has(c.name)) continue;
    await removeContainerIfPresent(docker, c.name);
    actions.push({ instance: c.instance, action: 'removed', reason: 'no installed service owns it' });
  }
  if (actions.length)
    log.info('store services reconciled', { actions: actions.map((a) => `${a.instance}: ${a.action} (${a.reason})`) });
  return { durationMs: Date.now() - started, actions };
}

/** At start: close interrupted operations (and apply what that changed), then reconcile. */
export async function startStore(db: Db): Promise<StoreReconcile | null> {
  if (recoverOperations(db)) await changed(db, ['names', 'proxy', 'firewall'], { wait: true });
  const engine = await runtimeOf(db).engine.status();
  return engine.reachable ? reconcileServices(db) : null;
}
