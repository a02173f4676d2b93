/**
 * Converges the engine to the desired core stack: the network, then one container per
 * enabled component. Runs one at a time; a failure on one component is reported for it
 * and the others go on. Containers without `cell.managed=true` are never touched.
 */
import fs from 'node:fs';
import type Docker from 'dockerode';
import { COMPONENTS, type ComponentName } from '@/lib/schemas/containers';
import type { Db } from '../../db';
import { InvalidStateError } from '../../errors';
import { engineMessage, statusOf } from '../../runtime/docker';
import { changed as declare } from '../../runtime/changes';
import { logger } from '../../runtime/logger';
import type { CellPaths } from '../../runtime/paths';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import {
  CATALOGUE,
  containerName,
  LABEL_COMPONENT,
  LABEL_HASH,
  LABEL_MANAGED,
  LABEL_SPEC,
  LABEL_STACK,
  NETWORK_NAME,
  waitsForNextStart,
  type ContainerSpec,
} from './spec';
import { containerAction, foreignHolder } from './containers';
import { attachServer, ownContainer, type ServerReport } from './attach';
import { imagePresent } from './images';
import { createOptions } from './options';
import { ensureNetwork, type NetworkReport } from './network';
import { planReconcile, type Action, type ActualContainer } from './plan';
import { desiredStack, effectiveSubnet, updateNetwork } from './stack';

const log = logger.child('containers');

export type ComponentOutcome = 'created' | 'recreated' | 'started' | 'unchanged' | 'removed' | 'absent' | 'failed';

export interface ComponentReport {
  component: string;
  container: string;
  action: ComponentOutcome;
  reason: string;
  containerId?: string;
}

export interface ReconcileReport {
  at: Date;
  durationMs: number;
  network: NetworkReport;
  /** This server on the cell network; null when it runs on a host. */
  server: ServerReport | null;
  components: ComponentReport[];
  /** True when anything was created, recreated, started or removed. */
  changed: boolean;
}

const serially = serialQueue('containers.reconcile');
const memory = processWide('containers.reconcile', () => ({ last: null as ReconcileReport | null }));

export function lastReconcile(): ReconcileReport | null {
  return memory.last;
}

/** Reconciles now, after any reconcile already running (so two calls never create twice). */
export function reconcile(db: Db): Promise<ReconcileReport> {
  return serially(() => reconcileNow(db));
}

async function managedContainers(docker: Docker): Promise<ActualContainer[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_STACK}=core`] },
  });
  return list.map((c) => {
    let spec: Partial<ContainerSpec> | null = null;
    try {
      spec = c.Labels[LABEL_SPEC] ? (JSON.parse(c.Labels[LABEL_SPEC]) as Partial<ContainerSpec>) : null;
    } catch {
      spec = null;
    }
    return {
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      component: c.Labels[LABEL_COMPONENT] ?? '',
      hash: c.Labels[LABEL_HASH] ?? null,
      spec,
      running: c.State === 'running',
      state: c.State,
    };
  });
}

async function createAndStart(docker: Docker, spec: ContainerSpec, paths: CellPaths): Promise<string> {
  // Bind sources must exist, or the engine refuses the mount.
  fs.mkdirSync(paths.config(spec.component), { recursive: true, mode: 0o755 });
  if (CATALOGUE[spec.component].stateTarget)
    fs.mkdirSync(paths.state(spec.component), { recursive: true, mode: 0o700 });
  const container = await docker.createContainer(createOptions(spec));
  await container.start();
  return container.id;
}

async function carryOut(
  docker: Docker,
  paths: CellPaths,
  action: Action,
  networkReady: boolean,
): Promise<ComponentReport> {
  switch (action.kind) {
    case 'absent':
      return {
        component: action.component,
        container: containerName(action.component),
        action: 'absent',
        reason: action.reason,
      };
    case 'remove':
      await docker.getContainer(action.actual.id).remove({ force: true });
      return {
        component: action.actual.component,
        container: action.actual.name,
        action: 'removed',
        reason: action.reason,
      };
    case 'keep':
      return {
        component: action.spec.component,
        container: action.spec.name,
        action: 'unchanged',
        reason: action.reason,
        containerId: action.actual.id,
      };
    case 'start':
      // Started by someone else (the Containers page) since the plan was made: that is the goal.
      await docker
        .getContainer(action.actual.id)
        .start()
        .catch((e) => (statusOf(e) === 304 ? undefined : Promise.reject(e)));
      return {
        component: action.spec.component,
        container: action.spec.name,
        action: 'started',
        reason: action.reason,
        containerId: action.actual.id,
      };
    case 'create':
    case 'recreate': {
      const { spec } = action;
      const fail = (reason: string): ComponentReport => ({
        component: spec.component,
        container: spec.name,
        action: 'failed',
        reason,
      });
      if (spec.network.mode === 'cell' && !networkReady) return fail(`${NETWORK_NAME} is not ready`);
      if (!(await imagePresent(docker, spec.image))) {
        return fail(
          `image ${spec.image} is not on the engine: pull it on the Containers page, or set PIC_IMAGE_${spec.component.toUpperCase()}`,
        );
      }
      if (action.kind === 'recreate') await docker.getContainer(action.actual.id).remove({ force: true });
      else if (await foreignHolder(docker, spec.name)) {
        return fail(`a container named ${spec.name} exists and is not managed by the cell; rename or remove it`);
      }
      const id = await createAndStart(docker, spec, paths);
      return {
        component: spec.component,
        container: spec.name,
        action: action.kind === 'create' ? 'created' : 'recreated',
        reason: action.reason,
        containerId: id,
      };
    }
  }
}

async function reconcileNow(db: Db): Promise<ReconcileReport> {
  const started = Date.now();
  const { engine, paths, deployment } = runtimeOf(db);
  const docker = await engine.client();
  const desired = desiredStack(db);
  const { subnet } = effectiveSubnet(db);
  let managed = await managedContainers(docker).catch((err) => Promise.reject(engine.error(err)));

  let network: NetworkReport;
  /** Components whose containers went with the old network. */
  const moved = new Set<string>();
  const self = await ownContainer(docker, deployment);
  try {
    network = await ensureNetwork(docker, subnet, managed, moved, self && 'id' in self ? self.id : undefined);
  } catch (err) {
    network = { name: NETWORK_NAME, subnet, action: 'failed', reason: engineMessage(err) };
  }
  const networkReady = network.action !== 'failed';
  const server = self && (await attachServer(docker, self, subnet, networkReady));
  if (moved.size) managed = await managedContainers(docker);

  const components: ComponentReport[] = [];
  for (const action of planReconcile(desired, managed)) {
    const component =
      action.kind === 'absent'
        ? action.component
        : action.kind === 'remove'
          ? action.actual.component
          : action.spec.component;
    try {
      const report = await carryOut(docker, paths, action, networkReady);
      if (report.action === 'created' && moved.has(component))
        Object.assign(report, { action: 'recreated', reason: `changed: ${NETWORK_NAME} moved to ${subnet}` });
      components.push(report);
    } catch (err) {
      components.push({
        component,
        container: containerName(component as ComponentName),
        action: 'failed',
        reason: engineMessage(err),
      });
    }
  }
  components.sort(
    (a, b) => COMPONENTS.indexOf(a.component as ComponentName) - COMPONENTS.indexOf(b.component as ComponentName),
  );

  // A new WireGuard container starts with an empty interface: the tunnel's loop loads it again.
  if (components.some((c) => c.component === 'wireguard' && ['created', 'recreated', 'started'].includes(c.action)))
    await declare(db, ['tunnel-restarted'], { wait: true });

  const changed =
    network.action === 'created' ||
    network.action === 'recreated' ||
    server?.action === 'attached' ||
    components.some((c) => !['unchanged', 'absent', 'failed'].includes(c.action));
  const report = { at: runtimeOf(db).clock(), durationMs: Date.now() - started, network, server, components, changed };
  memory.last = report;
  const failed = components.filter((c) => c.action === 'failed');
  if (changed || failed.length || !networkReady || server?.action === 'failed') {
    log.info('stack reconciled', {
      network: network.action,
      ...(server && { server: `${server.action} (${server.reason})` }),
      actions: components
        .filter((c) => c.action !== 'unchanged' && c.action !== 'absent')
        .map((c) => `${c.container}: ${c.action} (${c.reason})`),
    });
  }
  return report;
}

/**
 * The Containers page's restart. A core container that lacks what waits for its next start
 * (`cell-wireguard`'s verbosity) is made again with it, in the reconcile's turn; any other is
 * restarted by the engine, as it is.
 */
export async function restartContainer(db: Db, id: string) {
  const { engine, paths } = runtimeOf(db);
  const docker = await engine.client();
  const actual = (await managedContainers(docker).catch((err) => Promise.reject(engine.error(err)))).find(
    (c) => c.name === id || c.id === id || (id.length >= 12 && c.id.startsWith(id)),
  );
  const wanted = actual && desiredStack(db).find((s) => s.component === actual.component);
  if (!actual || !wanted || !waitsForNextStart(actual.spec, wanted)) return containerAction(engine, id, 'restart');
  const reason = 'restarted: made again with what waited for its next start';
  const report = await serially(() =>
    carryOut(docker, paths, { kind: 'recreate', spec: wanted, actual, reason }, true),
  );
  if (report.action === 'failed') throw new InvalidStateError(`${wanted.name} was not made again: ${report.reason}`);
  log.info('container made again at its restart', { container: wanted.name });
  if (wanted.component === 'wireguard') await declare(db, ['tunnel-restarted'], { wait: true });
  const info = await docker.getContainer(report.containerId!).inspect();
  return { id: info.Id, name: info.Name.replace(/^\//, ''), state: info.State.Status };
}

export type StackApply = { state: 'applied'; report: ReconcileReport } | { state: 'pending'; reason: string };

/** After a stack setting changes: reconcile now when the engine answers, otherwise say why not. */
export async function applyStack(db: Db): Promise<StackApply> {
  const engine = await runtimeOf(db).engine.status();
  if (!engine.reachable)
    return {
      state: 'pending',
      reason: `No container engine reachable at ${engine.socket}: the change applies when it is`,
    };
  return { state: 'applied', report: await reconcile(db) };
}

/** The cell network moves: the stack follows now, and so does whoever renders from it (DNS views, NTP, Caddy). */
export async function moveNetwork(db: Db, input: Parameters<typeof updateNetwork>[1]) {
  const stack = updateNetwork(db, input);
  const apply = await applyStack(db);
  await declare(db, ['network'], { wait: true });
  return { stack, apply };
}
