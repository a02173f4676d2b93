/**
 * Pure: what an installed service is made of. Its id, the answers to its questions checked
 * against the manifest, its container, its volumes, its routes, its names and what the
 * firewall lets reach it. The same model builds it and reconciles it at every start.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@/lib/canonical-json';
import type { EnvQuestion, Manifest } from '@/lib/schemas/store';
import { LOG_LEVELS } from '@/lib/schemas/logs';
import type { LogLevel } from '../../runtime/logger';
import { LABEL_HASH, LABEL_MANAGED, LABEL_STACK, type EngineSpec } from '../containers';

export const LABEL_INSTANCE = 'cell.instance';
/** Which cell made it: a cell never touches another's services on a shared engine. */
export const LABEL_CELL = 'cell.id';
/** Addresses on `cell-network` from here up are the store's (the core stack and the server sit below). */
export const FIRST_SERVICE_HOST = 20;

/** An instance's id: the manifest's own, or `<id>-<n>` (the lowest free n from 1) for an instanceable one. */
export function nextInstanceId(manifest: Pick<Manifest, 'id' | 'instanceable'>, taken: ReadonlySet<string>): string {
  if (!manifest.instanceable) return manifest.id;
  for (let n = 1; ; n++) if (!taken.has(`${manifest.id}-${n}`)) return `${manifest.id}-${n}`;
}

/** The lowest free address index for a new instance. */
export function nextHostIndex(taken: ReadonlySet<number>, limit: number): number | null {
  for (let i = FIRST_SERVICE_HOST; i < limit; i++) if (!taken.has(i)) return i;
  return null;
}

/**
 * The highest free address index: an update's new container takes it, so an install that
 * runs meanwhile (it takes the lowest) does not pick the same address.
 */
export function spareHostIndex(taken: ReadonlySet<number>, limit: number): number | null {
  for (let i = limit - 1; i >= FIRST_SERVICE_HOST; i--) if (!taken.has(i)) return i;
  return null;
}

const SEALED: readonly EnvQuestion['type'][] = ['password', 'secret'];
export const isSealed = (q: EnvQuestion) => SEALED.includes(q.type);

/** The form of one answer; `secret` is never asked. */
function answerSchema(q: EnvQuestion): z.ZodType<string | number | undefined> {
  const need = <T extends z.ZodType>(s: T) => (q.required ? s : s.optional());
  switch (q.type) {
    case 'text':
    case 'password':
      return need(
        z
          .string()
          .min(1, `${q.label} is required`)
          .max(256)
          .regex(/^[^\n\r\0]*$/, 'One line'),
      );
    case 'domain':
      return need(
        z
          .string()
          .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'A domain like example.org'),
      );
    case 'email':
      return need(z.email('An email address like you@example.org').max(254));
    case 'number': {
      let n = z.coerce.number({ error: 'A number' });
      if (q.min !== undefined) n = n.min(q.min);
      if (q.max !== undefined) n = n.max(q.max);
      return need(n);
    }
    case 'choice':
      return need(
        z.enum(q.choices.map((c) => c.value) as [string, ...string[]], {
          error: `One of ${q.choices.map((c) => c.value).join(', ')}`,
        }),
      );
    case 'secret':
      return z.undefined({ error: 'Made by the cell at install: it is not asked' });
  }
}

/** The install form's answers checked against the manifest's questions (defaults filled in). */
export function answersSchema(manifest: Pick<Manifest, 'env'>) {
  const shape: Record<string, z.ZodType> = {};
  for (const q of manifest.env) {
    const base = answerSchema(q);
    shape[q.name] =
      'default' in q && q.default !== undefined
        ? z.preprocess((v) => (v === '' ? undefined : v), base.default(q.default as never))
        : base;
  }
  return z.strictObject(shape);
}

export interface Answers {
  /** What the container's environment gets in the clear, and what the list may show. */
  plain: Record<string, string | number>;
  /** Passwords asked and secrets made, sealed apart (by name). */
  secret: Record<string, string>;
}

/** Splits checked answers, and makes the secrets the manifest asks the cell for. */
export function splitAnswers(
  manifest: Pick<Manifest, 'env'>,
  answers: Record<string, unknown>,
  random: (length: number) => string,
): Answers {
  const plain: Answers['plain'] = {};
  const secret: Answers['secret'] = {};
  for (const q of manifest.env) {
    if (q.type === 'secret') secret[q.name] = random(q.length);
    else if (answers[q.name] === undefined) continue;
    else if (isSealed(q)) secret[q.name] = String(answers[q.name]);
    else plain[q.name] = answers[q.name] as string | number;
  }
  return { plain, secret };
}

/** An engine volume's name: one per instance and volume, so a reinstall finds its data again. */
export const volumeName = (instanceId: string, volume: string) => `cell-svc-${instanceId}-${volume}`;
export const serviceContainer = (instanceId: string) => `cell-svc-${instanceId}`;

/** A label of the instance: the manifest's own, numbered like the instance for further instances. */
export function instanceLabel(manifestId: string, instanceId: string, label: string): string {
  return instanceId === manifestId ? label : `${label}${instanceId.slice(manifestId.length)}`;
}

/** The levels a service can be set to (its manifest's words for them), in the cell's order. */
export function serviceLevels(manifest: Pick<Manifest, 'logLevel'>): LogLevel[] {
  const values = manifest.logLevel?.values ?? {};
  return LOG_LEVELS.filter((l) => values[l] !== undefined);
}

/** The level set for it, in its own words: an environment variable, or an argument after its command. */
function levelSetting(manifest: Pick<Manifest, 'logLevel'>, level: LogLevel | null) {
  const word = level && manifest.logLevel?.values[level];
  if (!word) return { env: {}, args: [] };
  const { env, flag } = manifest.logLevel!;
  return env ? { env: { [env]: word }, args: [] } : { env: {}, args: [`${flag}${word}`] };
}

export function serviceSpec(input: {
  instanceId: string;
  manifest: Pick<Manifest, 'ports' | 'volumes' | 'command' | 'logLevel' | 'fixedEnv'>;
  image: string;
  env: Record<string, string | number>;
  /** The cell's domain, for the manifest's fixed environment. */
  domain: string;
  /** Set on the Logs page; null: the service's own default. */
  logLevel?: LogLevel | null;
  network: string;
  address: string;
  publishAddress?: string;
}): EngineSpec {
  const level = levelSetting(input.manifest, input.logLevel ?? null);
  const fixed = Object.fromEntries(
    Object.entries(input.manifest.fixedEnv ?? {}).map(([k, v]) => [
      k,
      fillPlaceholders(v, { domain: input.domain, instance: input.instanceId }),
    ]),
  );
  return {
    name: serviceContainer(input.instanceId),
    image: input.image,
    cmd: input.manifest.command ? [...input.manifest.command, ...level.args] : null,
    env: Object.fromEntries(Object.entries({ ...fixed, ...input.env, ...level.env }).map(([k, v]) => [k, String(v)])),
    network: { mode: 'cell', name: input.network, ipv4: input.address },
    ports: input.manifest.ports
      .filter((p) => p.publish !== null)
      .map((p) => ({
        container: p.container,
        host: p.publish!,
        protocol: p.protocol,
        ...(input.publishAddress ? { hostIp: input.publishAddress } : {}),
      })),
    mounts: input.manifest.volumes.map((v) => ({
      type: 'volume' as const,
      source: volumeName(input.instanceId, v.name),
      target: v.mount,
      readOnly: false,
    })),
    // Nothing beyond the engine's defaults: a manifest cannot ask for capabilities.
    capAdd: [],
    sysctls: {},
    restartPolicy: 'unless-stopped',
  };
}

/**
 * The spec's hash: its environment included (a changed answer recreates it), its name left
 * out (an update's new container is renamed into place, and is then what the spec asks for).
 */
export const serviceSpecHash = ({ name: _name, ...spec }: EngineSpec) =>
  createHash('sha256').update(canonicalJson(spec)).digest('hex');

/** How the engine knows the container: the cell's, of the store, which instance, which spec (values of env left out). */
export function serviceLabels(cellId: string, instanceId: string, spec: EngineSpec): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_STACK]: 'store',
    [LABEL_CELL]: cellId,
    [LABEL_INSTANCE]: instanceId,
    [LABEL_HASH]: serviceSpecHash(spec),
  };
}

/** The routes an instance serves: `<label>.cell` and `<label>.<domain>`, to its address. */
export function serviceRoutes(
  manifest: Pick<Manifest, 'id' | 'routes'>,
  instanceId: string,
  address: string,
  domain: string,
) {
  return manifest.routes.map((r) => {
    const label = instanceLabel(manifest.id, instanceId, r.label);
    return {
      host: r.kind === 'cell' ? `${label}.cell` : `${label}.${domain}`,
      path: r.path === '/' ? '' : r.path,
      upstream: `${address}:${r.port}`,
      access: r.access,
    };
  });
}

/** The `.cell` labels an instance holds in the name registry. */
export function serviceNames(manifest: Pick<Manifest, 'id' | 'routes'>, instanceId: string): string[] {
  return [
    ...new Set(
      manifest.routes.filter((r) => r.kind === 'cell').map((r) => instanceLabel(manifest.id, instanceId, r.label)),
    ),
  ];
}

/**
 * The service as the firewall knows it: a name groups and peers are allowed (which also says
 * who gets an account on it), and what peers may reach directly, not through Caddy: the
 * ports its firewall needs name for peers, none for a web-only service.
 */
export function serviceEndpoint(manifest: Pick<Manifest, 'firewall'>, instanceId: string, address: string) {
  const ports = manifest.firewall
    .filter((f) => f.from === 'peers')
    .flatMap((f) => expandPorts(f.ports).map((port) => ({ proto: f.protocol, port })));
  return { name: instanceId, address, ports };
}

/** `80,443,8000-8002` as single ports (ranges are small in manifests). */
function expandPorts(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    if (b === undefined) return [a];
    return Array.from({ length: Math.min(b - a + 1, 1024) }, (_, i) => a + i);
  });
}

/** Fills a manifest's `{{placeholder}}`s; one with no value becomes empty. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (_, name: string) => values[name] ?? '');
}
