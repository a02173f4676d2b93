/**
 * Caddy's config from the cell's state, written into `config/caddy/` with the CA files
 * it signs with, and loaded hot through its admin API (a Unix socket in that folder):
 * no restart, and a config Caddy refuses leaves the previous one serving.
 */
import fs from 'node:fs';
import http from 'node:http';
import { eq } from 'drizzle-orm';
import { cidrHost, parseCidr, type Cidr } from '@/lib/cidr';
import type { Db, DbOrTx } from '../../db';
import { routes, routeSettings } from '../../db/schema';
import { InvalidStateError, ValidationError } from '../../errors';
import { applyConfig, ConfigRejectedError, NotRunningError, type ConfigApply } from '../config-apply';
import { ensureCa, proxyCertificatesFor } from '../vault';
import { cellExists, cellFacts, cellNetwork, SETUP_HOST } from '../cell';
import {
  cellSignedHosts,
  renderCaddyConfig,
  renderSetupSiteConfig,
  tlsFiles,
  wildcardFiles,
  type CaddyModel,
} from './render';
import { dns01Certificate, type DomainCertificate } from '../acme';
import { runtimeOf } from '../../runtime/runtime';
import { SERVER_ALIAS } from '../../runtime/deployment';
import { processWide } from '../../runtime/process-wide';

export function ensureRoutes(db: DbOrTx, now = runtimeOf(db).clock()): void {
  db.insert(routeSettings)
    .values({ id: 1, logLevel: 'INFO', acmeEmail: null, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

export type RouteSettingsRow = typeof routeSettings.$inferSelect;

export function routeSettingsRow(db: DbOrTx): RouteSettingsRow | undefined {
  return db.select().from(routeSettings).where(eq(routeSettings.id, 1)).get();
}

/** The ACME contact and Caddy's log level, inside the caller's transaction. */
export function updateRouteSettings(
  db: DbOrTx,
  input: { acmeEmail?: string | null; logLevel?: RouteSettingsRow['logLevel'] },
  now = runtimeOf(db).clock(),
): boolean {
  const set: Partial<typeof routeSettings.$inferInsert> = {};
  if (input.acmeEmail !== undefined) set.acmeEmail = input.acmeEmail;
  if (input.logLevel) set.logLevel = input.logLevel;
  if (!Object.keys(set).length) return false;
  db.update(routeSettings)
    .set({ ...set, updatedAt: now })
    .where(eq(routeSettings.id, 1))
    .run();
  return true;
}

/** The hosts the cell's own web app answers on; no route may take them. */
export function uiHosts(cell: { cellName: string; domain: string }): string[] {
  return [cell.domain, `${cell.cellName}.cell`];
}

const num = (v: string | undefined, fallback: number) => (v && /^\d{1,5}$/.test(v) ? Number(v) : fallback);

/** Where the ACME server's root (`PIC_ACME_CA_ROOT`) is copied for Caddy, in its config folder. */
const ACME_ROOT_FILE = 'acme-root.pem';

function acmeRoot(file: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`PIC_ACME_CA_ROOT=${file} cannot be read: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new ValidationError(`PIC_ACME_CA_ROOT=${file} holds no PEM certificate`);
  return pem;
}

/**
 * Everything the renderer needs. Where Caddy finds its files comes from the runtime
 * (`PIC_CADDY_CONFIG_ROOT`, `PIC_CADDY_STATE_ROOT`); from the environment: `PIC_PROXY_LISTEN`,
 * `PIC_HTTP_PORT`, `PIC_HTTPS_PORT` (a Caddy run on the host), `PIC_ACME_DIRECTORY` and
 * `PIC_ACME_CA_ROOT` (another ACME server, and its root), `PIC_UI_UPSTREAM` (default:
 * this server by its name on the cell network when it runs in a container, else through the
 * network's gateway).
 */
export function caddyModel(db: Db, runtime = runtimeOf(db)): CaddyModel {
  return modelAndWildcard(db, runtime).model;
}

/** Where Caddy's files are, where it listens and where the web app answers it: set up or not. */
function placement(db: Db, { env, caddy, deployment } = runtimeOf(db)) {
  const gateway = cidrHost(parseCidr(cellNetwork(db).subnet) as Cidr, 1);
  return {
    configRoot: caddy.configRoot,
    stateRoot: caddy.stateRoot,
    listenHost: env.PIC_PROXY_LISTEN || null,
    httpPort: num(env.PIC_HTTP_PORT, 80),
    httpsPort: num(env.PIC_HTTPS_PORT, 443),
    upstream:
      env.PIC_UI_UPSTREAM || `${deployment.kind === 'container' ? SERVER_ALIAS : gateway}:${num(env.PORT, 3000)}`,
  };
}

/** The model, and in a DNS-01 mode the certificate it says Caddy loads (read once for both). */
function modelAndWildcard(db: Db, runtime = runtimeOf(db)): { model: CaddyModel; wildcard: DomainCertificate | null } {
  const cell = cellFacts(db);
  const proxy = db.select().from(routeSettings).where(eq(routeSettings.id, 1)).get();
  if (!proxy) throw new InvalidStateError('The cell is not set up yet');
  const dns01 = dns01Certificate(db);
  const clients = sources.clients?.(db) ?? new Map<string, string[] | null>();
  const { env } = runtime;
  const { upstream, ...frame } = placement(db, runtime);
  const model: CaddyModel = {
    ...frame,
    logLevel: proxy.logLevel,
    mode: cell.domainMode,
    domain: cell.domain,
    acmeEmail: proxy.acmeEmail,
    acmeServer: env.PIC_ACME_DIRECTORY
      ? { directory: env.PIC_ACME_DIRECTORY, rootFile: env.PIC_ACME_CA_ROOT ? ACME_ROOT_FILE : null }
      : null,
    dns01: dns01 && { loaded: dns01.certificate !== null },
    internalNets: cell.internalNetworks,
    ui: { hosts: uiHosts({ cellName: cell.name, domain: cell.domain }), upstream },
    addressHost: SETUP_HOST,
    routes: db
      .select()
      .from(routes)
      .all()
      .map((r) => ({ ...r, clients: r.service ? (clients.get(r.service) ?? null) : null })),
  };
  return { model, wildcard: dns01?.certificate ?? null };
}

/** Where the proxy learns who may use each store service's routes (declared in `server/appliers.ts`). */
const sources = processWide('routes.sources', () => ({
  clients: null as ((tx: DbOrTx) => Map<string, string[] | null>) | null,
}));

/** Who may use each service: the sources allowed, or null where every peer may. */
export function declareServiceClients(read: (tx: DbOrTx) => Map<string, string[] | null>): void {
  sources.clients = read;
}

/**
 * caddy.json (0600) and, for each host the cell's CA covers, the leaf certificate and key the
 * cell signed for it; in a DNS-01 mode, the certificate the cell got for the domain and its
 * wildcard. No CA key and no provider token is ever among them.
 */
export async function caddyFiles(db: Db): Promise<{ files: Map<string, string>; modes: Record<string, number> }> {
  if (!cellExists(db)) return setupSiteFiles(db);
  const { model, wildcard } = modelAndWildcard(db);
  const certs = await proxyCertificatesFor(db, cellSignedHosts(model));
  const files = new Map([['caddy.json', renderCaddyConfig(model)]]);
  const modes: Record<string, number> = { 'caddy.json': 0o600 };
  if (model.acmeServer?.rootFile) files.set(ACME_ROOT_FILE, acmeRoot(runtimeOf(db).env.PIC_ACME_CA_ROOT!));
  const put = (f: { certificate: string; key: string }, c: { certPem: string; keyPem: string }) => {
    files.set(f.certificate, c.certPem);
    files.set(f.key, c.keyPem);
    modes[f.key] = 0o600;
  };
  for (const [host, c] of certs) put(tlsFiles(host), c);
  if (wildcard) put(wildcardFiles(model.domain), wildcard);
  return { files, modes };
}

/**
 * Before setup: the setup site's config and the certificate the cell's CA signed for
 * `setup.cell`. The CA is the cell's for good: its root, shown by install.sh, is the one
 * devices install later.
 */
async function setupSiteFiles(db: Db) {
  const certs = await proxyCertificatesFor(db, [SETUP_HOST]);
  const c = certs.get(SETUP_HOST)!;
  const tls = tlsFiles(SETUP_HOST);
  const files = new Map([
    ['caddy.json', renderSetupSiteConfig({ ...placement(db), logLevel: 'INFO', host: SETUP_HOST })],
    [tls.certificate, c.certPem],
    [tls.key, c.keyPem],
  ]);
  return { files, modes: { 'caddy.json': 0o600, [tls.key]: 0o600 } };
}

const TRANSIENT = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ENOENT']);

/**
 * POST /load on the admin socket. Caddy restarts its admin endpoint after every load, so a
 * load right after another may find the socket closing: those errors are retried briefly.
 */
export async function loadIntoCaddy(socket: string, config: string, attempts = 6): Promise<string> {
  for (let i = 1; ; i++) {
    try {
      return await postLoad(socket, config);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const gone = code === 'ENOENT' || code === 'ECONNREFUSED';
      // No socket at the first try: Caddy is simply not running, nothing to wait for.
      if (!code || !TRANSIENT.has(code) || i >= attempts || (gone && i === 1)) {
        if (gone) throw new NotRunningError('Caddy is not running');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 150 * i));
    }
  }
}

/** Over a Unix socket Caddy wants an empty Host header. */
function postLoad(socket: string, config: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket,
        path: '/load',
        method: 'POST',
        setHost: false,
        // The cell loads only when a file changed, but a renewed certificate keeps the JSON as it
        // was, and Caddy skips a load that is byte for byte the running config unless told not to.
        headers: { Host: '', 'Content-Type': 'application/json', 'Cache-Control': 'must-revalidate' },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode === 200) return resolve('loaded into cell-caddy through its admin API');
          let message = body.trim();
          try {
            message = (JSON.parse(body) as { error?: string }).error ?? message;
          } catch {
            // Not JSON: keep the text.
          }
          reject(new ConfigRejectedError(`Caddy refused the config: ${message || `HTTP ${res.statusCode}`}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Caddy's admin API did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(config);
  });
}

/**
 * Renders, writes and loads Caddy's config (making the CA first if it is still missing):
 * before setup the setup site, after it the cell's; chosen inside the queue, so a setup
 * site rendered before setup completed never replaces the cell's config.
 */
export async function applyCaddy(db: Db): Promise<ConfigApply> {
  await ensureCa(db);
  return applyConfig(db, 'caddy', async () => {
    const { files, modes } = await caddyFiles(db);
    // tls/ holds only current hosts; pki/ held CA files before Caddy got leaves only.
    return {
      files,
      modes,
      prune: /^(tls|pki)\//,
      reload: { load: () => loadIntoCaddy(runtimeOf(db).caddy.adminSocket(), files.get('caddy.json')!) },
    };
  });
}
