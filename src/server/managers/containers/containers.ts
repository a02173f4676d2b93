/** Every container on the engine, for the Containers page: list, inspect, start/stop/restart, logs. */
import type Docker from 'dockerode';
import { COMPONENT_INFO, COMPONENTS, type ComponentName } from '@/lib/schemas/containers';
import { InvalidStateError, NotFoundError, ValidationError } from '../../errors';
import { engineMessage, FrameSplitter, statusOf, type Engine, type LogLine } from '../../runtime/docker';
import { LABEL_COMPONENT, LABEL_MANAGED, LABEL_SPEC, LABEL_STACK } from './spec';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  managed: boolean;
  component: ComponentName | null;
  /** created, running, paused, restarting, removing, exited, dead */
  state: string;
  status: string;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  startedAt: Date | null;
  ip: string | null;
  ports: { container: number; host: number | null; protocol: string; hostIp: string | null }[];
}

const nameOf = (names: string[] | undefined, id: string) => (names?.[0] ?? id).replace(/^\//, '');

function componentOf(labels: Record<string, string> | undefined): ComponentName | null {
  const c = labels?.[LABEL_MANAGED] === 'true' ? labels[LABEL_COMPONENT] : undefined;
  return c && (COMPONENTS as readonly string[]).includes(c) ? (c as ComponentName) : null;
}

function healthOf(status: string): ContainerSummary['health'] {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return null;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as 'healthy' | 'unhealthy');
}

/** Calls on one container; a missing one is NOT_FOUND, a lost engine PRECONDITION_FAILED. */
async function onContainer<T>(
  engine: Engine,
  id: string,
  act: (c: Docker.Container, docker: Docker) => Promise<T>,
  opts?: { streaming?: boolean },
): Promise<T> {
  const docker = await engine.client(opts);
  try {
    return await act(docker.getContainer(id), docker);
  } catch (err) {
    if (statusOf(err) === 404) throw new NotFoundError(`No container ${id}`);
    if (statusOf(err) === 409 || statusOf(err) === 500) throw new InvalidStateError(engineMessage(err));
    throw engine.error(err);
  }
}

/** All containers: the cell's own first (in stack order), then the rest by name. */
export async function listContainers(engine: Engine): Promise<ContainerSummary[]> {
  const docker = await engine.client();
  const list = await docker.listContainers({ all: true }).catch((e) => Promise.reject(engine.error(e)));
  // Uptime needs the start time, which only inspect has; running containers only.
  const started = new Map<string, Date>();
  await Promise.all(
    list
      .filter((c) => c.State === 'running')
      .map(async (c) => {
        const info = await docker
          .getContainer(c.Id)
          .inspect()
          .catch(() => null);
        if (info?.State.StartedAt) started.set(c.Id, new Date(info.State.StartedAt));
      }),
  );
  const rows: ContainerSummary[] = list.map((c) => {
    const nets = Object.values(c.NetworkSettings?.Networks ?? {});
    return {
      id: c.Id,
      name: nameOf(c.Names, c.Id),
      image: c.Image,
      managed: c.Labels?.[LABEL_MANAGED] === 'true',
      component: componentOf(c.Labels),
      state: c.State,
      status: c.Status,
      health: healthOf(c.Status),
      startedAt: started.get(c.Id) ?? null,
      ip: nets.map((n) => n.IPAddress).find(Boolean) ?? null,
      ports: (c.Ports ?? [])
        .filter(
          (p, i, all) =>
            all.findIndex(
              (q) => q.PrivatePort === p.PrivatePort && q.Type === p.Type && q.PublicPort === p.PublicPort,
            ) === i,
        )
        .map((p) => ({ container: p.PrivatePort, host: p.PublicPort ?? null, protocol: p.Type, hostIp: p.IP ?? null }))
        .sort((a, b) => a.container - b.container || a.protocol.localeCompare(b.protocol)),
    };
  });
  const rank = (r: ContainerSummary) =>
    r.component ? COMPONENTS.indexOf(r.component) : r.managed ? COMPONENTS.length : COMPONENTS.length + 1;
  return rows.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

const SECRET_ENV = /pass|secret|token|key|credential/i;

/** One container in detail; environment values that look secret are hidden. */
export async function inspectContainer(engine: Engine, id: string) {
  const info = await onContainer(engine, id, (c) => c.inspect());
  const labels = { ...(info.Config.Labels ?? {}) };
  delete labels[LABEL_SPEC];
  const fromStore = labels[LABEL_STACK] === 'store';
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    created: new Date(info.Created),
    component: componentOf(info.Config.Labels),
    state: {
      status: info.State.Status,
      running: info.State.Running,
      restarting: info.State.Restarting,
      exitCode: info.State.ExitCode,
      error: info.State.Error || null,
      startedAt:
        info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? new Date(info.State.StartedAt) : null,
      finishedAt:
        info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001') ? new Date(info.State.FinishedAt) : null,
      health: info.State.Health?.Status ?? null,
      restartCount: info.RestartCount,
    },
    cmd: [...(info.Config.Entrypoint ? [info.Config.Entrypoint].flat() : []), ...(info.Config.Cmd ?? [])],
    env: (info.Config.Env ?? []).map((e) => {
      const [k, ...v] = e.split('=');
      // A store service's environment holds its answers, passwords among them: names only.
      return SECRET_ENV.test(k!) || fromStore ? `${k}=••••••` : `${k}=${v.join('=')}`;
    }),
    labels,
    restartPolicy: info.HostConfig.RestartPolicy?.Name ?? 'no',
    privileged: Boolean(info.HostConfig.Privileged),
    capAdd: info.HostConfig.CapAdd ?? [],
    sysctls: (info.HostConfig as { Sysctls?: Record<string, string> }).Sysctls ?? {},
    mounts: (info.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Name ?? m.Source,
      target: m.Destination,
      readOnly: !m.RW,
    })),
    networks: Object.entries(info.NetworkSettings.Networks ?? {}).map(([name, n]) => ({
      name,
      ip: n.IPAddress || null,
    })),
    ports: Object.entries(info.HostConfig.PortBindings ?? {}).flatMap(([key, binds]) =>
      ((binds as { HostIp?: string; HostPort?: string }[] | null) ?? []).map((b) => ({
        container: key,
        host: b.HostPort ?? null,
        hostIp: b.HostIp || null,
      })),
    ),
  };
}

/** Stopping a core component needs `confirm`, and the refusal says what would stop working. */
export function stopConsequence(component: ComponentName | null): string | null {
  return component
    ? `${COMPONENT_INFO[component].label} (${component}) is part of the cell. ${COMPONENT_INFO[component].whenStopped}`
    : null;
}

export async function containerAction(
  engine: Engine,
  id: string,
  action: 'start' | 'stop' | 'restart',
  confirm = false,
) {
  return onContainer(engine, id, async (c) => {
    if (action === 'stop' && !confirm) {
      const consequence = stopConsequence(componentOf((await c.inspect()).Config.Labels));
      if (consequence) throw new ValidationError(`${consequence} Confirm to stop it.`, 'confirm');
    }
    if (action === 'start') await c.start().catch((e) => (statusOf(e) === 304 ? undefined : Promise.reject(e)));
    if (action === 'stop') await c.stop({ t: 10 }).catch((e) => (statusOf(e) === 304 ? undefined : Promise.reject(e)));
    if (action === 'restart') await c.restart({ t: 10 });
    const info = await c.inspect();
    return { id: info.Id, name: info.Name.replace(/^\//, ''), state: info.State.Status };
  });
}

/** A TTY container's output: plain text, one stream. */
class PlainSplitter {
  private partial = '';
  push(chunk: Buffer): LogLine[] {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop()!;
    return parts.map((text) => ({ stream: 'stdout', text: text.replace(/\r$/, '') }));
  }
  end(): LogLine[] {
    const rest = this.partial ? [{ stream: 'stdout' as const, text: this.partial }] : [];
    this.partial = '';
    return rest;
  }
}

/** The last `tail` lines of a container's output. */
export async function containerLogs(engine: Engine, id: string, tail: number): Promise<LogLine[]> {
  return onContainer(engine, id, async (c) => {
    const info = await c.inspect();
    const raw = (await c.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
    const split = info.Config.Tty ? new PlainSplitter() : new FrameSplitter();
    return [...split.push(raw), ...split.end()];
  });
}

/**
 * Follows a container's output: the last `tail` lines, then each new line as it comes,
 * until the signal aborts or the container's stream ends.
 */
export async function* followLogs(
  engine: Engine,
  id: string,
  tail: number,
  signal?: AbortSignal,
): AsyncGenerator<LogLine> {
  const { stream, tty } = await onContainer(
    engine,
    id,
    async (c) => ({
      tty: Boolean((await c.inspect()).Config.Tty),
      stream: await c.logs({ stdout: true, stderr: true, tail, follow: true }),
    }),
    { streaming: true },
  );
  // A TTY container's output is plain text; the others' is framed by stream.
  const split = tty ? new PlainSplitter() : new FrameSplitter();
  const abort = () => (stream as unknown as { destroy(): void }).destroy();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const line of split.push(chunk)) yield line;
    }
    for (const line of split.end()) yield line;
  } finally {
    signal?.removeEventListener('abort', abort);
    abort();
  }
}

/** A container with the component's name that the cell did not make blocks it. */
export async function foreignHolder(docker: Docker, name: string): Promise<boolean> {
  try {
    const info = await docker.getContainer(name).inspect();
    return info.Config.Labels?.[LABEL_MANAGED] !== 'true';
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}
