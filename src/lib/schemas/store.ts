import { z } from 'zod';
import { dnsLabel, port } from './common';
import { accounts, argv, dnsRecord, instruction, templated, tls } from './store-parts';
import { portList } from './firewall';
import { LOG_LEVELS } from './logs';

/**
 * A store service's manifest, version 1. Every object is strict (an unknown field is an
 * error that names it), every value has the form the cell renders it in, and nothing is
 * free text that reaches a shell, a rule set or a path outside the service's own data.
 */
export const MANIFEST_VERSION = 1;

export const manifestId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'Lowercase letters, digits and hyphens, 3 to 32 characters');

/** `name[:tag]@sha256:<64 hex>`: the digest pins what runs; a tag alone could change under the cell. */
const IMAGE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d{1,5})?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;
export const imageRef = z.string().refine((s) => IMAGE.test(s), {
  error: (issue) =>
    typeof issue.input === 'string' && !issue.input.includes('@sha256:')
      ? 'Pin the image by digest: name[:tag]@sha256:<64 hex digits> (a tag alone can change)'
      : 'Not an image reference like registry.example/name:tag@sha256:<64 hex digits>',
});

const ARCHITECTURES = ['amd64', 'arm64', 'armv7'] as const;

/** Names the cell sets itself, or that carry its secrets: a question may not ask for them. */
const RESERVED_ENV =
  /^(PIC_|DOCKER_|NODE_|NEXTAUTH_|AUTH_)|^(PATH|HOME|HOSTNAME|PWD|USER|SHELL|LD_PRELOAD|LD_LIBRARY_PATH)$/;
const envName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'Upper-case letters, digits and underscores, starting with a letter')
  .refine(
    (s) => !RESERVED_ENV.test(s),
    'The cell sets this name itself (or keeps its secrets under it): choose another',
  );

/** Absolute, normalised paths inside the container: no `..`, no `//`, no trailing slash. */
const containerPath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, 'An absolute path inside the container, like /data')
  .refine((s) => !s.split('/').some((part) => part === '..' || part === '.'), 'No . or .. in the path');

const questionBase = {
  name: envName,
  label: z.string().min(1).max(80),
  help: z.string().max(300).optional(),
  required: z.boolean().default(true),
};

export const envQuestion = z.discriminatedUnion('type', [
  z.strictObject({ ...questionBase, type: z.literal('text'), default: z.string().max(256).optional() }),
  z.strictObject({ ...questionBase, type: z.literal('password') }),
  z.strictObject({ ...questionBase, type: z.literal('domain'), default: z.string().max(253).optional() }),
  z.strictObject({ ...questionBase, type: z.literal('email'), default: z.string().max(254).optional() }),
  z.strictObject({
    ...questionBase,
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    default: z.number().optional(),
  }),
  z.strictObject({
    ...questionBase,
    type: z.literal('choice'),
    choices: z
      .array(z.strictObject({ value: z.string().min(1).max(64), label: z.string().min(1).max(80) }))
      .min(2, 'A choice needs at least two options'),
    default: z.string().optional(),
  }),
  /** Made at install, stored encrypted, never asked. */
  z.strictObject({
    ...questionBase,
    type: z.literal('secret'),
    length: z.number().int().min(16).max(128).default(32),
  }),
]);
export type EnvQuestion = z.output<typeof envQuestion>;

const portSpec = z.strictObject({
  name: dnsLabel,
  protocol: z.enum(['tcp', 'udp']),
  container: port,
  /** A host port the service is published on; null: reachable only inside the cell. */
  publish: port.nullable().default(null),
});

const route = z.strictObject({
  /** `<label>.<domain>` over HTTPS, or `<label>.cell` inside the cell. */
  kind: z.enum(['subdomain', 'cell']),
  label: dnsLabel,
  port,
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'A path like /dav')
    .default('/'),
  access: z.enum(['peers', 'public']).default('peers'),
});

const volume = z.strictObject({
  /** A folder under the service's own data; a name, never a path. */
  name: dnsLabel,
  mount: containerPath,
  /** What a backup does first: nothing, stop the service, or run its dump command. */
  backup: z.enum(['live', 'stop', 'dump']).default('live'),
});

/** What the service needs of the firewall, as structure: never rule text. */
const firewallNeed = z.strictObject({
  from: z.enum(['peers', 'internet', 'cell']),
  protocol: z.enum(['tcp', 'udp']),
  ports: portList,
  why: z.string().max(120).default(''),
});

const healthCheck = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http'),
    port,
    path: z.string().regex(/^\/[A-Za-z0-9._~\-/?=&]*$/, 'A path like /health'),
    status: z.number().int().min(100).max(599).default(200),
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    timeoutSeconds: z.number().int().min(1).max(60).default(3),
  }),
  z.strictObject({
    kind: z.literal('tcp'),
    port,
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    timeoutSeconds: z.number().int().min(1).max(60).default(3),
  }),
  z.strictObject({
    kind: z.literal('exec'),
    argv,
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    timeoutSeconds: z.number().int().min(1).max(60).default(3),
  }),
]);

/**
 * How the cell sets the service's verbosity (the Logs page): the word each of the cell's
 * levels is in the service's own terms, given as an environment variable or appended to the
 * manifest's command as one argument (`--logging-level=` and the word). A level it has no
 * word for is not offered.
 */
const logLevel = z
  .strictObject({
    env: envName.optional(),
    flag: z
      .string()
      .regex(/^--[a-z0-9][a-z0-9-]{0,62}=$/, 'An option that takes its value after =, like --logging-level=')
      .optional(),
    values: z
      .partialRecord(z.enum(LOG_LEVELS), z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'One word, like debug'))
      .refine((v) => Object.keys(v).length > 0, 'At least one level'),
  })
  .refine((l) => (l.env === undefined) !== (l.flag === undefined), {
    message: 'Either env or flag: how the service takes its level',
    path: ['env'],
  });

export const CATEGORIES = ['mail', 'calendar', 'files', 'exit', 'media', 'tools'] as const;

export const manifestSchema = z
  .strictObject({
    manifestVersion: z.literal(MANIFEST_VERSION, { error: `Only manifestVersion ${MANIFEST_VERSION} is understood` }),
    id: manifestId,
    name: z.string().min(1).max(60),
    version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'A version like 1.2.3'),
    description: z.string().min(1).max(500),
    category: z.enum(CATEGORIES),
    icon: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'The name of an icon the cell ships')
      .default('box'),
    image: z.union([imageRef, z.partialRecord(z.enum(ARCHITECTURES), imageRef)]),
    /** The container's command, when not the image's own: an argument array, never a shell string. */
    command: z
      .array(
        z
          .string()
          .max(256)
          .regex(/^[^\n\r\0]*$/, 'One line'),
      )
      .min(1)
      .max(32)
      .optional(),
    instanceable: z.boolean().default(false),
    requires: z.array(manifestId).max(8).default([]),
    ports: z.array(portSpec).max(16).default([]),
    routes: z.array(route).max(8).default([]),
    env: z.array(envQuestion).max(32).default([]),
    /**
     * Environment the service always gets and nobody is asked for: settings the cell's way of
     * running it needs (mail's host name, and where its certificate is). `{{domain}}` and
     * `{{instance}}` are filled in; a change of the domain makes the container again.
     */
    fixedEnv: z
      .record(z.string(), templated('value'))
      .refine((r) => Object.keys(r).length <= 32, 'At most 32 variables')
      .default({}),
    volumes: z.array(volume).max(8).default([]),
    firewall: z.array(firewallNeed).max(16).default([]),
    accounts: accounts.optional(),
    tls: tls.optional(),
    healthCheck: healthCheck.optional(),
    egress: z.strictObject({ allowed: z.boolean() }).default({ allowed: true }),
    dns: z.array(dnsRecord).max(16).default([]),
    /** Run once in the container after it is made, before its records are read (mail's DKIM key). */
    configure: z.array(argv).max(8).default([]),
    /** Run in the container before a backup reads a volume whose `backup` is `dump` (a database's dump into it). */
    dump: argv.optional(),
    peerInstructions: z.array(instruction).max(16).default([]),
    logLevel: logLevel.optional(),
  })
  .superRefine((m, ctx) => {
    const unique = (list: { name: string }[], field: string) =>
      list.forEach((item, i) => {
        if (list.findIndex((x) => x.name === item.name) !== i)
          ctx.addIssue({ code: 'custom', path: [field, i, 'name'], message: `${item.name} is named twice` });
      });
    unique(m.ports, 'ports');
    unique(m.env, 'env');
    unique(m.volumes, 'volumes');
    m.volumes.forEach((v, i) => {
      if (v.backup === 'dump' && !m.dump)
        ctx.addIssue({
          code: 'custom',
          path: ['volumes', i, 'backup'],
          message: "A dump needs the manifest's dump command",
        });
    });
    const containerPorts = new Set(m.ports.map((p) => p.container));
    m.routes.forEach((r, i) => {
      if (!containerPorts.has(r.port))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'port'],
          message: `Port ${r.port} is not one of the service's ports`,
        });
    });
    if (m.healthCheck && m.healthCheck.kind !== 'exec' && !containerPorts.has(m.healthCheck.port))
      ctx.addIssue({
        code: 'custom',
        path: ['healthCheck', 'port'],
        message: `Port ${m.healthCheck.port} is not one of the service's ports`,
      });
    const accounts = m.accounts;
    const volumes = new Set(m.volumes.map((v) => v.name));
    if (accounts?.kind === 'htpasswd' && !volumes.has(accounts.volume))
      ctx.addIssue({ code: 'custom', path: ['accounts', 'volume'], message: `No volume named ${accounts.volume}` });
    if (accounts?.kind === 'htpasswd' && accounts.rights && !volumes.has(accounts.rights.shared.volume))
      ctx.addIssue({
        code: 'custom',
        path: ['accounts', 'rights', 'shared', 'volume'],
        message: `No volume named ${accounts.rights.shared.volume}`,
      });
    if (m.tls && !volumes.has(m.tls.volume))
      ctx.addIssue({ code: 'custom', path: ['tls', 'volume'], message: `No volume named ${m.tls.volume}` });
    if (m.requires.includes(m.id))
      ctx.addIssue({ code: 'custom', path: ['requires'], message: 'A service cannot require itself' });
    if (m.logLevel?.env && m.env.some((q) => q.name === m.logLevel!.env))
      ctx.addIssue({ code: 'custom', path: ['logLevel', 'env'], message: `${m.logLevel.env} is one of the questions` });
    for (const [name, value] of Object.entries(m.fixedEnv)) {
      const named = envName.safeParse(name);
      if (!named.success)
        ctx.addIssue({ code: 'custom', path: ['fixedEnv', name], message: named.error.issues[0]!.message });
      if (m.env.some((q) => q.name === name) || m.logLevel?.env === name)
        ctx.addIssue({
          code: 'custom',
          path: ['fixedEnv', name],
          message: `${name} is ${m.logLevel?.env === name ? 'where the level goes' : 'one of the questions'}`,
        });
      const other = [...value.matchAll(/\{\{\s*([a-z]+)\s*\}\}/g)].find(
        (p) => p[1] !== 'domain' && p[1] !== 'instance',
      );
      if (other)
        ctx.addIssue({
          code: 'custom',
          path: ['fixedEnv', name],
          message: `Only {{domain}} and {{instance}} here, not {{${other[1]}}}`,
        });
    }
    if (m.logLevel?.flag && !m.command)
      ctx.addIssue({ code: 'custom', path: ['logLevel', 'flag'], message: "A flag needs the manifest's command" });
    m.env.forEach((q, i) => {
      if (q.type === 'choice' && q.default !== undefined && !q.choices.some((c) => c.value === q.default))
        ctx.addIssue({ code: 'custom', path: ['env', i, 'default'], message: 'The default is not one of the choices' });
    });
  });
export type Manifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
