/**
 * Pure renderer for Caddy's JSON config. JSON rather than a Caddyfile: it is what the
 * admin API's `/load` takes (no adapter in between), and a value can never become a
 * directive because JSON.stringify quotes everything. Values are still checked against
 * strict patterns first, so a bad one stops the render instead of reaching Caddy.
 */
import type { DomainMode } from '@/lib/domain-modes';
import { checked, CIDR, HOSTNAME, RenderError } from '../render-guard';

export interface RouteModel {
  id: number;
  host: string;
  /** '' or a prefix like `/app`. */
  path: string;
  upstream: string;
  access: 'peers' | 'public';
  headers: Record<string, string>;
  websocket: boolean;
  /**
   * A store service's route that not every peer may use: the sources allowed (the cell
   * network and the allowed peers' addresses) instead of every internal network.
   */
  clients?: string[] | null;
}

export interface CaddyModel {
  /** The config folder as Caddy sees it (`/etc/caddy` in its container), read only to it. */
  configRoot: string;
  /** Caddy's own writable folder as it sees it (`/data`): its admin socket and ACME state. */
  stateRoot: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Where Caddy listens; ports are 80/443 in production, high ports in tests. */
  listenHost: string | null;
  httpPort: number;
  httpsPort: number;
  mode: DomainMode;
  domain: string;
  /** ACME account contact. */
  acmeEmail: string | null;
  /**
   * Another ACME server than Let's Encrypt (`PIC_ACME_DIRECTORY`), and a root to trust when
   * talking to it, as a file name in the config folder (`PIC_ACME_CA_ROOT`, copied there).
   */
  acmeServer?: { directory: string; rootFile: string | null } | null;
  /**
   * A DNS-01 mode (pic_ngo, cloudflare, duckdns) with its provider token: the cell itself gets
   * one certificate for the domain and `*.domain`, and Caddy loads it from `wildcardFiles`
   * (`loaded` once there is one). Caddy needs no DNS module and holds no provider token.
   */
  dns01: { loaded: boolean } | null;
  /** Sources that count as the cell's own: the tunnel subnets and the cell network. */
  internalNets: string[];
  /** The cell's own web app: always routed. */
  ui: { hosts: string[]; upstream: string };
  /**
   * The `.cell` name whose certificate (the setup site's) a caller gets with no name (a bare
   * address) or a name the cell does not serve; a bare address reaches the web app, as it did
   * on the setup site, so whoever set the cell up there can go on signing in there.
   */
  addressHost: string;
  routes: RouteModel[];
}

const UPSTREAM = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})|\[[0-9a-fA-F:.]+\]):\d{1,5}$/;
const PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)+$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
// No `{`: Caddy would expand placeholders such as {file./etc/passwd} in what it sends upstream.
const HEADER_VALUE = /^[\x20-\x7a\x7c-\x7e]{0,1024}$/;
const WILDCARD_HOST = /^\*\.[A-Za-z0-9.-]+$/;

/** The certificate and key the cell signs for one host, relative to the config folder. */
export const tlsFiles = (h: string) => ({
  certificate: `tls/${checked(h, HOSTNAME, 'host')}.crt`,
  key: `tls/${h}.key`,
});

/** The certificate the cell got over DNS-01 for the domain and its wildcard, relative to the config folder. */
export const wildcardFiles = (domain: string) => ({
  certificate: `tls/wildcard.${checked(domain, HOSTNAME, 'domain')}.crt`,
  key: `tls/wildcard.${domain}.key`,
});

const host = (h: string, what = 'host') =>
  WILDCARD_HOST.test(h) ? checked(h.slice(2), HOSTNAME, what) && h : checked(h, HOSTNAME, what);
const NOT_FOUND = { handle: [{ handler: 'static_response', status_code: 404, body: 'No service at this name.\n' }] };
const isCellName = (h: string) => h === 'cell' || h.endsWith('.cell');

/**
 * The hosts whose certificates the cell signs itself and hands to Caddy as files: `.cell`
 * names in every mode, and every name in `lan` mode. Caddy never holds a CA key.
 */
export function cellSignedHosts(m: Pick<CaddyModel, 'mode' | 'ui' | 'routes' | 'addressHost'>): string[] {
  const all = [...new Set([...m.ui.hosts, ...m.routes.map((r) => r.host), m.addressHost])];
  return all.filter((h) => m.mode === 'lan' || isCellName(h)).sort();
}

function proxyHandler(upstream: string, headers: Record<string, string>, websocket: boolean) {
  const set: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    checked(name, HEADER_NAME, 'header name');
    checked(value, HEADER_VALUE, `header ${name}`);
    set[name] = [value];
  }
  return {
    handler: 'reverse_proxy',
    upstreams: [{ dial: checked(upstream, UPSTREAM, 'upstream') }],
    ...(Object.keys(set).length ? { headers: { request: { set } } } : {}),
    // WebSockets pass through on their own; streaming answers are flushed at once.
    ...(websocket ? { flush_interval: -1 } : {}),
  };
}

/** Peers-only: anything from outside the tunnel and the cell network (or the service's allowed clients) gets 403. */
function guarded(r: RouteModel, internal: string[], handle: object[]): object[] {
  if (r.access === 'public') return handle;
  const clients = r.clients?.map((c) => checked(c, CIDR, 'client network'));
  const body = clients ? 'Only for the peers allowed to use this service.\n' : 'Only for the cell and its peers.\n';
  return [
    {
      handler: 'subroute',
      routes: [
        {
          match: [{ not: [{ remote_ip: { ranges: clients ?? internal } }] }],
          handle: [{ handler: 'static_response', status_code: 403, body }],
          terminal: true,
        },
        { handle },
      ],
    },
  ];
}

/** Where Caddy finds its files and listens: the part of the model both configs share. */
type Frame = Pick<CaddyModel, 'configRoot' | 'stateRoot' | 'logLevel' | 'listenHost' | 'httpPort' | 'httpsPort'>;

const PORT = /^\d{1,5}$/;
const FOLDER = /^\/[A-Za-z0-9._/-]*$/;

const listenOn = (m: Frame, port: number) =>
  `${m.listenHost ? (m.listenHost.includes(':') ? `[${m.listenHost}]` : m.listenHost) : ''}:${checked(port, PORT, 'port')}`;

/** Caddy's whole config around its HTTP servers and TLS app; every value checked. */
function frame(m: Frame, servers: Record<string, object>, tls: object): string {
  const state = checked(m.stateRoot, FOLDER, 'state root');
  const config = {
    // The admin socket lives in Caddy's own folder; a loaded config is never saved back anywhere.
    admin: { listen: `unix/${state}/admin.sock`, config: { persist: false } },
    logging: { logs: { default: { level: m.logLevel } } },
    storage: { module: 'file_system', root: `${state}/storage` },
    apps: {
      http: {
        http_port: Number(checked(m.httpPort, PORT, 'port')),
        https_port: Number(checked(m.httpsPort, PORT, 'port')),
        servers,
      },
      tls,
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

const loadFile = (root: string, f: { certificate: string; key: string }, tags: string[]) => ({
  certificate: `${root}/${f.certificate}`,
  key: `${root}/${f.key}`,
  format: 'pem',
  tags,
});

/** A host that is an IPv4 or IPv6 address (Caddy's `{http.request.host}` has no port), not a name. */
const BARE_ADDRESS = String.raw`{http.request.host}.matches('^(\\d{1,3}(\\.\\d{1,3}){3}|\\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*\\]?)$')`;

/**
 * For a handshake with no name (a bare address) or one no certificate matches: the address
 * certificate, chosen by its tag (Caddy honours the tag when nothing matches the name).
 */
const addressPolicy = (name: string) => ({ certificate_selection: { any_tag: ['address'] }, default_sni: name });

/** Before setup: what Caddy needs to serve the wizard and nothing else. */
export type SetupSiteModel = Frame & { host: string; upstream: string };

/**
 * The setup site: before the cell has a name, Caddy serves the wizard alone, and sends plain
 * HTTP to HTTPS. Any name, and a bare address (no SNI), gets the certificate the cell's CA
 * signed for `host`: selected by its tag, which Caddy honours when no certificate matches
 * the name asked for. The wizard itself asks a caller from outside the host for the setup code.
 */
export function renderSetupSiteConfig(m: SetupSiteModel): string {
  const root = checked(m.configRoot, FOLDER, 'config root');
  const name = checked(m.host, HOSTNAME, 'setup host');
  const https = m.httpsPort === 443 ? '' : `:${m.httpsPort}`;
  return frame(
    m,
    {
      setup: {
        listen: [listenOn(m, m.httpsPort)],
        routes: [{ handle: [proxyHandler(m.upstream, {}, false)], terminal: true }],
        tls_connection_policies: [addressPolicy(name)],
        automatic_https: { disable: true },
      },
      redirect: {
        listen: [listenOn(m, m.httpPort)],
        routes: [
          {
            handle: [
              {
                handler: 'static_response',
                status_code: 308,
                headers: { Location: [`https://{http.request.host}${https}{http.request.uri}`] },
              },
            ],
            terminal: true,
          },
        ],
        automatic_https: { disable: true },
      },
    },
    { certificates: { load_files: [loadFile(root, tlsFiles(name), ['address'])] } },
  );
}

export function renderCaddyConfig(m: CaddyModel): string {
  const root = checked(m.configRoot, FOLDER, 'config root');
  const domain = checked(m.domain, HOSTNAME, 'domain');
  const internal = m.internalNets.map((n) => checked(n, CIDR, 'internal network'));
  if (!internal.length) throw new RenderError('peers-only routes need the internal networks');

  const address = host(m.addressHost, 'address host');
  // Routes grouped by host; within a host the longest path prefix is tried first.
  const byHost = new Map<string, RouteModel[]>();
  for (const r of m.routes) {
    host(r.host);
    if (r.path) checked(r.path, PATH, 'path');
    byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  }
  const routes: object[] = [
    {
      match: [{ host: m.ui.hosts.map((h) => host(h, 'UI host')) }],
      // Not in streaming mode: there, Caddy before 2.10 ends the requests in flight when a
      // config is loaded, so every change that reloads Caddy would answer 502 to the browser
      // that asked for it. Event streams and chunked answers are flushed at once anyway.
      handle: [proxyHandler(m.ui.upstream, {}, false)],
      terminal: true,
    },
  ];
  for (const [h, list] of [...byHost].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...list].sort((a, b) => b.path.length - a.path.length || a.id - b.id);
    routes.push({
      match: [{ host: [h] }],
      handle: [
        {
          handler: 'subroute',
          routes: [
            ...sorted.map((r) => ({
              ...(r.path ? { match: [{ path: [r.path, `${r.path}/*`] }] } : {}),
              handle: guarded(r, internal, [proxyHandler(r.upstream, r.headers, r.websocket)]),
              terminal: true,
            })),
            // Paths of the host that no route takes.
            ...(sorted.some((r) => !r.path) ? [] : [NOT_FOUND]),
          ],
        },
      ],
      terminal: true,
    });
  }
  // A bare address, or the setup site's name, reaches the web app (the way in before any peer
  // or name of the cell's own works); a name with no route says so instead of an empty page.
  routes.push({
    match: [{ expression: BARE_ADDRESS }, { host: [address] }],
    handle: [proxyHandler(m.ui.upstream, {}, false)],
    terminal: true,
  });
  routes.push(NOT_FOUND);

  const signed = cellSignedHosts(m);
  const acmeServer = m.acmeServer
    ? {
        ca: checked(
          m.acmeServer.directory,
          /^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?$/,
          'ACME directory',
        ),
        ...(m.acmeServer.rootFile
          ? {
              trusted_roots_pem_files: [
                `${root}/${checked(m.acmeServer.rootFile, /^[a-z0-9-]+\.pem$/, 'ACME root file')}`,
              ],
            }
          : {}),
      }
    : {};
  const domainHosts = [...m.ui.hosts, ...byHost.keys()].filter((h) => !signed.includes(h));
  const served = [
    ...new Set([...m.ui.hosts, ...byHost.keys(), ...(m.mode !== 'lan' && m.dns01 ? [`*.${domain}`] : [])]),
  ];
  const policies: object[] = [];
  let skip: string[] = [...signed];
  const loaded = signed.map((h) => ({ ...tlsFiles(h), tags: h === address ? ['cell', 'address'] : ['cell'] }));
  if (m.mode !== 'lan' && m.dns01) {
    // One certificate the cell got over DNS-01 covers the domain and every subdomain: Caddy
    // asks for none of these names itself, and serves them once the cell has it.
    skip = [...skip, ...domainHosts];
    if (m.dns01.loaded) loaded.push({ ...wildcardFiles(domain), tags: ['acme'] });
  } else if (m.mode !== 'lan' && m.acmeEmail && domainHosts.length) {
    // http01: one certificate per host over HTTP-01 (port 80 must be reachable).
    // HTTP-01 only: the mode promises port 80, not that 443 reaches this Caddy unproxied.
    policies.push({
      subjects: domainHosts,
      issuers: [{ module: 'acme', ...acmeServer, email: m.acmeEmail, challenges: { 'tls-alpn': { disabled: true } } }],
    });
  }
  return frame(
    m,
    {
      cell: {
        listen: [listenOn(m, m.httpsPort)],
        routes,
        // The names the cell serves get their own certificates; any other handshake the address one.
        tls_connection_policies: [{ match: { sni: served } }, addressPolicy(address)],
        ...(skip.length ? { automatic_https: { skip_certificates: skip } } : {}),
      },
    },
    {
      ...(loaded.length ? { certificates: { load_files: loaded.map((f) => loadFile(root, f, f.tags)) } } : {}),
      ...(policies.length ? { automation: { policies } } : {}),
    },
  );
}
