/**
 * Cell facts: one read, in one transaction, of what every renderer needs to know about the
 * cell (name, domain and mode, tunnel plan, cell network, where its DNS answers, its public
 * addresses). Domains ask this instead of reading each other's tables.
 */
import { eq, sql } from 'drizzle-orm';
import { cidrHost, parseAddress, parseCidr } from '@/lib/cidr';
import type { DomainMode } from '@/lib/domain-modes';
import { parseHostPort } from '@/lib/schemas/common';
import type { Db, DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { dnsSettings, settings, stackComponents, stackNetwork, wireguardSettings } from '../../db/schema';
import { InvalidStateError, ValidationError } from '../../errors';
import { decryptSecret, derivedSecret } from '../../runtime/secrets';
import { refuseInternal } from '../../runtime/outbound';
import { runtimeOf, type Env } from '../../runtime/runtime';

/** The name the setup site answers as, before the cell has a name of its own. */
export const SETUP_HOST = 'setup.cell';

/** The bridge network the core containers share, unless the stack settings say otherwise. */
export const DEFAULT_CELL_SUBNET = '172.20.0.0/16';

export interface CellFacts {
  name: string;
  domain: string;
  domainMode: DomainMode;
  /** The tunnel plan; null before WireGuard is configured. */
  tunnel: { subnet: string; subnet6: string | null } | null;
  /** `cell-network`'s subnet, and whether `PIC_CELL_SUBNET` set it. */
  cellNetwork: { subnet: string; fromEnv: boolean };
  /** Where the cell's DNS answers; null when DNS is turned off. */
  dns: { host: string; port: number } | null;
  /** Caddy's address on the cell network; null when the proxy is turned off. */
  proxy: string | null;
  /** chrony's address on the cell network; null when NTP is turned off. */
  ntp: string | null;
  publicAddress: string | null;
  publicAddress6: string | null;
  /** Whose clients count as inside the cell: the tunnel subnets and the cell network. */
  internalNetworks: string[];
}

/** `PIC_CELL_SUBNET` over the stack setting. */
export function cellNetwork(db: DbOrTx, env: Env = runtimeOf(db).env): { subnet: string; fromEnv: boolean } {
  const fromEnv = env.PIC_CELL_SUBNET?.trim();
  if (fromEnv) {
    const c = parseCidr(fromEnv);
    if (typeof c === 'string' || c.family !== 4)
      throw new ValidationError(`PIC_CELL_SUBNET=${fromEnv} is not an IPv4 CIDR block`);
    return { subnet: fromEnv, fromEnv: true };
  }
  return { subnet: networkRow(db).get()?.subnet ?? DEFAULT_CELL_SUBNET, fromEnv: false };
}

/**
 * Where the cell's DNS answers: `PIC_DNS_SERVER` (`address[:port]`, for host installs and
 * tests), else cell-dns's static address on the cell network; null when DNS is turned off.
 */
export function dnsAddress(
  db: DbOrTx,
  subnet: string,
  env: Env = runtimeOf(db).env,
): { host: string; port: number } | null {
  const fromEnv = env.PIC_DNS_SERVER?.trim();
  if (fromEnv) {
    const p = parseHostPort(fromEnv);
    if (!p || parseAddress(p.host)?.family !== 4) {
      throw new ValidationError(`PIC_DNS_SERVER=${fromEnv} is not an IPv4 address with an optional port`);
    }
    return { host: p.host, port: p.port ?? 53 };
  }
  const host = componentAddress(db, 'dns', subnet);
  return host ? { host, port: 53 } : null;
}

// Built once: the facts are read on nearly every request (building a query costs more than running it).
const networkRow = preparedQuery((db) =>
  db.select({ subnet: stackNetwork.subnet }).from(stackNetwork).where(eq(stackNetwork.id, 1)).prepare(),
);
const componentRow = preparedQuery((db) =>
  db
    .select({ enabled: stackComponents.enabled, hostIndex: stackComponents.hostIndex })
    .from(stackComponents)
    .where(eq(stackComponents.component, sql.placeholder('component')))
    .prepare(),
);

/** A core component's static address on the cell network; null when it is turned off. */
function componentAddress(db: DbOrTx, component: 'dns' | 'caddy' | 'ntp', subnet: string): string | null {
  const row = componentRow(db).get({ component });
  const c = parseCidr(subnet);
  return row?.enabled && typeof c !== 'string' ? cidrHost(c, row.hostIndex) : null;
}
const settingsRow = preparedQuery((db) => db.select().from(settings).where(eq(settings.id, 1)).prepare());
const tunnelRow = preparedQuery((db) =>
  db
    .select({ subnet: wireguardSettings.subnet, subnet6: wireguardSettings.subnet6 })
    .from(wireguardSettings)
    .where(eq(wireguardSettings.id, 1))
    .prepare(),
);
const publicRow = preparedQuery((db) =>
  db
    .select({ publicAddress: dnsSettings.publicAddress, publicAddress6: dnsSettings.publicAddress6 })
    .from(dnsSettings)
    .where(eq(dnsSettings.id, 1))
    .prepare(),
);

function read(db: DbOrTx, env: Env): CellFacts {
  const cell = settingsRow(db).get();
  if (!cell) throw new InvalidStateError('The cell is not set up yet');
  const wg = tunnelRow(db).get();
  const dns = publicRow(db).get();
  const network = cellNetwork(db, env);
  return {
    name: cell.cellName,
    domain: cell.domain,
    domainMode: cell.domainMode,
    tunnel: wg ?? null,
    cellNetwork: network,
    dns: dnsAddress(db, network.subnet, env),
    proxy: componentAddress(db, 'caddy', network.subnet),
    ntp: componentAddress(db, 'ntp', network.subnet),
    publicAddress: dns?.publicAddress ?? null,
    publicAddress6: dns?.publicAddress6 ?? null,
    internalNetworks: [...(wg ? [wg.subnet, ...(wg.subnet6 ? [wg.subnet6] : [])] : []), network.subnet],
  };
}

/** What setup named the cell and which services it chose; the cell must be set up. */
export function cellIdentity(db: DbOrTx): { cellName: string; domain: string; services: string[] } {
  const cell = db
    .select({ cellName: settings.cellName, domain: settings.domain, services: settings.services })
    .from(settings)
    .where(eq(settings.id, 1))
    .get();
  if (!cell) throw new InvalidStateError('The cell is not set up yet');
  return cell;
}

/** Whether setup has stored the cell's identity yet (before it, there are no facts). */
export function cellExists(db: DbOrTx): boolean {
  return settingsRow(db).get() !== undefined;
}

/** The facts, read in one transaction (a savepoint inside the caller's when it passes one). */
export function cellFacts(db: DbOrTx, env: Env = runtimeOf(db).env): CellFacts {
  return (db as Db).transaction((tx) => read(tx, env));
}

/**
 * The DNS provider's credential for the domain mode (kept out of the facts: it is a secret).
 * pic.ngo knows the cell by a key derived from its instance secret, the same key as its DDNS.
 */
export function providerToken(db: DbOrTx): string | null {
  const cell = db.select().from(settings).where(eq(settings.id, 1)).get();
  if (!cell) throw new InvalidStateError('The cell is not set up yet');
  if (cell.domainMode === 'pic_ngo') return derivedSecret('pic.ngo');
  return cell.ddnsTokenEnc ? decryptSecret(cell.ddnsTokenEnc, 'settings.ddns_token_enc') : null;
}

/**
 * What a URL an admin typed (a DDNS source, a webhook) may not reach: loopback, link-local,
 * the tunnel and the cell network. `PIC_OUTBOUND_ALLOW_LOOPBACK=1` lets tests serve on loopback.
 */
export const outboundRefusal = (db: DbOrTx) =>
  refuseInternal(cellFacts(db).internalNetworks, {
    allowLoopback: runtimeOf(db).env.PIC_OUTBOUND_ALLOW_LOOPBACK === '1',
  });
