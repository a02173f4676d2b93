/**
 * What the store does to the engine: its volumes, its containers (created by digest, so
 * the engine runs exactly what was verified) and its health checks. Only containers and
 * volumes labelled as the store's are ever touched.
 */
import net from 'node:net';
import type Docker from 'dockerode';
import type { Manifest } from '@/lib/schemas/store';
import { statusOf, type Engine } from '../../runtime/docker';
import { engineOptions, LABEL_HASH, LABEL_MANAGED, LABEL_STACK, type EngineSpec } from '../containers';
import { instanceId as cellId } from '../../runtime/secrets';
import { LABEL_CELL, LABEL_INSTANCE, serviceLabels } from './model';

export interface StoreContainer {
  id: string;
  name: string;
  instance: string;
  hash: string | null;
  running: boolean;
}

export async function storeContainers(docker: Docker): Promise<StoreContainer[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_STACK}=store`, `${LABEL_CELL}=${cellId()}`] },
  });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    instance: c.Labels[LABEL_INSTANCE] ?? '',
    hash: c.Labels[LABEL_HASH] ?? null,
    running: c.State === 'running',
  }));
}

/** Creates the volume unless it exists; true when this call made it. */
export async function ensureVolume(docker: Docker, name: string, instanceId: string): Promise<boolean> {
  try {
    const v = await docker.getVolume(name).inspect();
    if (v.Labels?.[LABEL_INSTANCE] !== instanceId || v.Labels?.[LABEL_CELL] !== cellId())
      throw new Error(`A volume named ${name} exists and is not this service's: rename or remove it`);
    return false;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  await docker.createVolume({
    Name: name,
    Labels: { [LABEL_MANAGED]: 'true', [LABEL_STACK]: 'store', [LABEL_CELL]: cellId(), [LABEL_INSTANCE]: instanceId },
  });
  return true;
}

export async function removeVolumeIfPresent(docker: Docker, name: string): Promise<void> {
  await docker
    .getVolume(name)
    .remove()
    .catch((err) => (statusOf(err) === 404 ? undefined : Promise.reject(err)));
}

/** Creates and starts the instance's container under a name; a container the cell did not make there is refused. */
export async function startServiceContainer(
  docker: Docker,
  instanceId: string,
  spec: EngineSpec,
  name = spec.name,
  /** Runs on the made container before it first starts (files it reads only at its start). */
  beforeStart?: (container: Docker.Container) => Promise<unknown>,
): Promise<string> {
  try {
    const info = await docker.getContainer(name).inspect();
    if (info.Config.Labels?.[LABEL_INSTANCE] !== instanceId)
      throw new Error(`A container named ${name} exists and is not this service's: rename or remove it`);
    await docker.getContainer(name).remove({ force: true });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  const container = await docker.createContainer({
    ...engineOptions(spec, serviceLabels(cellId(), instanceId, spec)),
    name,
  });
  try {
    await beforeStart?.(container);
    await container.start();
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
  return container.id;
}

export async function removeContainerIfPresent(docker: Docker, name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch((err) => (statusOf(err) === 404 ? undefined : Promise.reject(err)));
}

export async function renameContainer(docker: Docker, from: string, to: string): Promise<void> {
  await docker.getContainer(from).rename({ name: to });
}

type HealthCheck = NonNullable<Manifest['healthCheck']>;

/** One try of a health check against the container's address; null when healthy, else why not. */
async function probe(engine: Engine, check: HealthCheck, address: string, container: string): Promise<string | null> {
  const timeoutMs = check.timeoutSeconds * 1000;
  if (check.kind === 'exec') {
    const r = await engine.exec(container, check.argv);
    return r.exitCode === 0 ? null : `${check.argv.join(' ')} exited with ${r.exitCode}`;
  }
  if (check.kind === 'tcp') {
    return new Promise((resolve) => {
      const socket = net.connect({ host: address, port: check.port, timeout: timeoutMs });
      socket.once('connect', () => (socket.destroy(), resolve(null)));
      socket.once('timeout', () => (socket.destroy(), resolve(`port ${check.port} did not answer`)));
      socket.once('error', (e) => resolve(`port ${check.port}: ${e.message}`));
    });
  }
  try {
    const r = await fetch(`http://${address}:${check.port}${check.path}`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await r.body?.cancel();
    return r.status === check.status ? null : `${check.path} answered ${r.status}, not ${check.status}`;
  } catch (err) {
    return `${check.path}: ${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}`;
  }
}

/**
 * Waits for the service to pass its health check, a try every interval (at most every
 * second while it starts), giving up after `tries`; resolves with why it failed, or null.
 */
export async function waitHealthy(
  engine: Engine,
  check: HealthCheck | undefined,
  address: string,
  container: string,
  tries: number,
): Promise<string | null> {
  if (!check) return null;
  let last: string | null = 'not tried';
  for (let i = 0; i < tries; i++) {
    last = await probe(engine, check, address, container);
    if (last === null) return null;
    await new Promise((r) => setTimeout(r, Math.min(1000, check.intervalSeconds * 1000)));
  }
  return last;
}

/**
 * Puts a volume's content back (a restore): the volume is made anew, empty, and the tar is
 * put into it through a container of the service's own image that is never started.
 */
export async function replaceVolume(
  docker: Docker,
  v: { instanceId: string; name: string; mount: string; image: string },
  content: NodeJS.ReadableStream,
): Promise<void> {
  await removeVolumeIfPresent(docker, v.name);
  await ensureVolume(docker, v.name, v.instanceId);
  const helper = await docker.createContainer({
    Image: v.image,
    name: `${v.name}-restore`,
    Labels: { [LABEL_MANAGED]: 'true', [LABEL_STACK]: 'store', [LABEL_CELL]: cellId(), [LABEL_INSTANCE]: v.instanceId },
    HostConfig: { Mounts: [{ Type: 'volume', Source: v.name, Target: v.mount }], NetworkMode: 'none' },
  });
  try {
    await helper.putArchive(content, { path: v.mount });
  } finally {
    await helper.remove({ force: true });
  }
}

/** Removes every container of this cell's services (a restore; the reconcile makes them again). */
export async function removeStoreContainers(docker: Docker): Promise<number> {
  const list = await storeContainers(docker);
  for (const c of list) await docker.getContainer(c.id).remove({ force: true });
  return list.length;
}
