import { describe, expect, it } from 'vitest';
import { issuesToFieldErrors } from '@/lib/field-errors';
import { manifestSchema, type ManifestInput } from '@/lib/schemas/store';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** Calendar and contacts as the store will describe Radicale. */
const calendar: ManifestInput = {
  manifestVersion: 1,
  id: 'calendar',
  name: 'Calendar and contacts',
  version: '3.2.3',
  description: 'CalDAV and CardDAV for everyone on the cell (Radicale).',
  category: 'calendar',
  icon: 'calendar',
  image: `localhost:5000/pic/radicale:3.2.3@${DIGEST}`,
  ports: [{ name: 'dav', protocol: 'tcp', container: 5232 }],
  routes: [
    { kind: 'subdomain', label: 'dav', port: 5232, access: 'peers' },
    { kind: 'cell', label: 'radicale', port: 5232 },
  ],
  env: [
    {
      name: 'RADICALE_LOG_LEVEL',
      label: 'Log level',
      type: 'choice',
      choices: [
        { value: 'info', label: 'Info' },
        { value: 'debug', label: 'Debug' },
      ],
      default: 'info',
    },
    { name: 'RADICALE_SECRET', label: 'Session secret', type: 'secret' },
  ],
  volumes: [{ name: 'collections', mount: '/var/lib/radicale/collections', backup: 'live' }],
  firewall: [{ from: 'peers', protocol: 'tcp', ports: '5232', why: 'CalDAV and CardDAV' }],
  accounts: { kind: 'htpasswd', volume: 'collections', file: 'users' },
  healthCheck: { kind: 'http', port: 5232, path: '/.web/' },
  egress: { allowed: false },
  peerInstructions: [
    { label: 'CalDAV and CardDAV', kind: 'url', value: 'https://dav.{{domain}}/{{user}}/' },
    { label: 'Username', kind: 'username', value: '{{user}}' },
  ],
};

/** The field errors a manifest gets, by path. */
function errorsOf(m: unknown): Record<string, string[]> {
  const r = manifestSchema.safeParse(m);
  return r.success ? {} : issuesToFieldErrors(r.error.issues);
}
const patched = (patch: (m: Record<string, unknown>) => void) => {
  const m = structuredClone(calendar) as unknown as Record<string, unknown>;
  patch(m);
  return m;
};

describe('the manifest schema', () => {
  it('accepts a whole manifest and fills the defaults', () => {
    const m = manifestSchema.parse(calendar);
    expect(m).toMatchObject({
      instanceable: false,
      requires: [],
      routes: [{ path: '/', access: 'peers' }, { access: 'peers' }],
    });
    expect(m.env[1]).toMatchObject({ type: 'secret', length: 32, required: true });
    expect(
      manifestSchema.parse({ ...calendar, image: { amd64: calendar.image, arm64: calendar.image } }).image,
    ).toHaveProperty('arm64');
  });

  it("takes a service's verbosity as a variable or as an option after its command", () => {
    const flag = manifestSchema.parse({
      ...calendar,
      command: ['radicale'],
      logLevel: { flag: '--logging-level=', values: { debug: 'debug', warn: 'warning' } },
    });
    expect(flag.logLevel).toEqual({ flag: '--logging-level=', values: { debug: 'debug', warn: 'warning' } });
    expect(
      manifestSchema.parse({ ...calendar, logLevel: { env: 'LOG_LEVEL', values: { info: 'info' } } }).logLevel,
    ).toEqual({
      env: 'LOG_LEVEL',
      values: { info: 'info' },
    });
  });

  it.each<[string, (m: Record<string, unknown>) => void, string, RegExp]>([
    [
      'a tag without a digest',
      (m) => (m.image = 'localhost:5000/pic/radicale:3.2.3'),
      'image',
      /Pin the image by digest/,
    ],
    ['a short digest', (m) => (m.image = 'radicale@sha256:abc'), 'image', /Not an image reference/],
    ['an unknown field', (m) => (m.privileged = true), '', /privileged/],
    [
      'an unknown field deep inside',
      (m) => ((m.volumes as object[])[0] = { name: 'c', mount: '/x', hostPath: '/etc' }),
      'volumes.0',
      /hostPath/,
    ],
    [
      'a volume mount with ..',
      (m) => ((m.volumes as { mount: string }[])[0]!.mount = '/var/../../etc'),
      'volumes.0.mount',
      /An absolute path|No \. or \.\./,
    ],
    [
      'a volume named like a path',
      (m) => ((m.volumes as { name: string }[])[0]!.name = '../../etc'),
      'volumes.0.name',
      /lowercase letters/,
    ],
    [
      'an account file outside its volume',
      (m) => (m.accounts = { kind: 'htpasswd', volume: 'collections', file: '../../../etc/passwd' }),
      'accounts.file',
      /relative path|No \. or \.\./,
    ],
    [
      'a shared folder in a volume the service does not have',
      (m) =>
        (m.accounts = {
          kind: 'htpasswd',
          volume: 'collections',
          file: 'users',
          rights: { format: 'radicale', file: 'rights', shared: { volume: 'nope', folder: 'groups' } },
        }),
      'accounts.rights.shared.volume',
      /No volume named nope/,
    ],
    [
      'a DNS record with both a value and a command to read it',
      (m) => (m.dns = [{ name: 'x', type: 'TXT', value: 'a', from: ['cat', '/x'] }]),
      'dns.0.value',
      /one of the two/,
    ],
    [
      'a DNS record read through a shell',
      (m) => (m.dns = [{ name: 'x', type: 'TXT', from: ['sh', '-c', 'cat /x'] }]),
      'dns.0.from',
      /a shell with -c/,
    ],
    [
      'a DNS record for a wildcard',
      (m) => (m.dns = [{ name: '*', type: 'A', value: '{{address}}' }]),
      'dns.0.name',
      /No wildcards/,
    ],
    [
      'raw rule text for the firewall',
      (m) => (m.firewall = [{ from: 'peers', protocol: 'tcp', ports: '5232 -j ACCEPT' }]),
      'firewall.0.ports',
      /not a port/,
    ],
    ['a firewall rule given as text', (m) => (m.firewall = ['-A FORWARD -j ACCEPT']), 'firewall.0', /object/i],
    [
      'an env question named like a cell secret',
      (m) => ((m.env as { name: string }[])[0]!.name = 'PIC_INSTANCE_SECRET'),
      'env.0.name',
      /The cell sets this name itself/,
    ],
    [
      'an env question named PATH',
      (m) => ((m.env as { name: string }[])[0]!.name = 'PATH'),
      'env.0.name',
      /The cell sets this name itself/,
    ],
    [
      'a route to a port the service does not have',
      (m) => ((m.routes as { port: number }[])[0]!.port = 8080),
      'routes.0.port',
      /not one of the service's ports/,
    ],
    [
      'a route label that is not a DNS label',
      (m) => ((m.routes as { label: string }[])[0]!.label = 'a.b'),
      'routes.0.label',
      /lowercase letters/,
    ],
    [
      'a shell string as an account command',
      (m) => (m.accounts = { kind: 'exec', create: ['sh', '-c', 'adduser {{user}}'], remove: ['deluser', '{{user}}'] }),
      'accounts.create',
      /shell with -c/,
    ],
    [
      'an unknown placeholder',
      (m) => (m.accounts = { kind: 'exec', create: ['adduser', '{{cell_secret}}'], remove: ['deluser', '{{user}}'] }),
      'accounts.create.1',
      /Only these placeholders/,
    ],
    [
      'a stray brace (a Caddy placeholder)',
      (m) => ((m.peerInstructions as { value: string }[])[0]!.value = 'https://{http.request.host}/'),
      'peerInstructions.0.value',
      /Braces only around a placeholder/,
    ],
    [
      'a newline in an instruction',
      (m) => ((m.peerInstructions as { value: string }[])[0]!.value = 'a\nb'),
      'peerInstructions.0.value',
      /one line/,
    ],
    ['another manifest version', (m) => (m.manifestVersion = 2), 'manifestVersion', /Only manifestVersion 1/],
    ['a service that requires itself', (m) => (m.requires = ['calendar']), 'requires', /cannot require itself/],
    [
      'the same port name twice',
      (m) => (m.ports = [...(m.ports as object[]), { name: 'dav', protocol: 'udp', container: 1 }]),
      'ports.1.name',
      /named twice/,
    ],
    [
      'a choice default that is not a choice',
      (m) => ((m.env as { default: string }[])[0]!.default = 'trace'),
      'env.0.default',
      /not one of the choices/,
    ],
    ['an id with capitals', (m) => (m.id = 'Calendar'), 'id', /Lowercase/],
    [
      'a level given both ways',
      (m) => (m.logLevel = { env: 'LEVEL', flag: '--level=', values: { debug: 'debug' } }),
      'logLevel.env',
      /Either env or flag/,
    ],
    [
      'a level given no way',
      (m) => (m.logLevel = { values: { debug: 'debug' } }),
      'logLevel.env',
      /Either env or flag/,
    ],
    ['a level with no words', (m) => (m.logLevel = { env: 'LEVEL', values: {} }), 'logLevel.values', /At least one/],
    [
      'a level word that is not one word',
      (m) => (m.logLevel = { env: 'LEVEL', values: { debug: 'debug; rm -rf /' } }),
      'logLevel.values.debug',
      /One word/,
    ],
    [
      'a level of its own',
      (m) => (m.logLevel = { env: 'LEVEL', values: { trace: 'trace' } }),
      'logLevel.values',
      /Unrecognized key: "trace"/,
    ],
    [
      'a level in a variable one of its questions sets',
      (m) => (m.logLevel = { env: 'RADICALE_LOG_LEVEL', values: { debug: 'debug' } }),
      'logLevel.env',
      /RADICALE_LOG_LEVEL is one of the questions/,
    ],
    [
      'a level as a flag with no command to add it to',
      (m) => (m.logLevel = { flag: '--logging-level=', values: { debug: 'debug' } }),
      'logLevel.flag',
      /needs the manifest's command/,
    ],
    [
      'a level flag that is not an option',
      (m) => ((m.command = ['radicale']), (m.logLevel = { flag: '--x $(id)=', values: { debug: 'debug' } })),
      'logLevel.flag',
      /An option/,
    ],
    [
      'a fixed variable one of its questions sets',
      (m) => (m.fixedEnv = { RADICALE_LOG_LEVEL: 'debug' }),
      'fixedEnv.RADICALE_LOG_LEVEL',
      /RADICALE_LOG_LEVEL is one of the questions/,
    ],
    [
      'a fixed variable where the level goes',
      (m) => ((m.logLevel = { env: 'LEVEL', values: { debug: 'debug' } }), (m.fixedEnv = { LEVEL: 'info' })),
      'fixedEnv.LEVEL',
      /LEVEL is where the level goes/,
    ],
    [
      'a fixed value with a placeholder only an account has',
      (m) => (m.fixedEnv = { ADMIN_PASSWORD: '{{password}}' }),
      'fixedEnv.ADMIN_PASSWORD',
      /Only \{\{domain\}\} and \{\{instance\}\} here, not \{\{password\}\}/,
    ],
    ['a fixed value on two lines', (m) => (m.fixedEnv = { HOST: 'mail\nEVIL=1' }), 'fixedEnv.HOST', /one line/],
    [
      'a fixed variable the cell keeps for itself',
      (m) => (m.fixedEnv = { PIC_DATA_DIR: '/' }),
      'fixedEnv.PIC_DATA_DIR',
      /The cell sets this name itself/,
    ],
  ])('refuses %s, naming the field', (_what, patch, field, message) => {
    const errors = errorsOf(patched(patch));
    const key = Object.keys(errors).find((k) => k === field || (field === '' && k !== ''));
    expect(key, JSON.stringify(errors)).toBeDefined();
    expect(errors[key!]!.join(' ')).toMatch(message);
  });
});
