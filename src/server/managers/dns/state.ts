/** The DNS rows: created at setup (or first start), read into the pure model's inputs. */
import { eq, sql } from 'drizzle-orm';
import { DEFAULT_UPSTREAMS } from '@/lib/schemas/dns';
import type { Db, DbOrTx } from '../../db';
import { dhcpReservations, dnsRecords, dnsServiceNames, dnsSettings, peers, settings } from '../../db/schema';
import { ConflictError, InvalidStateError } from '../../errors';
import { CELL_HOST_INDEX, hostAddresses, planOf } from '../wireguard/model';
import { cellFacts } from '../cell';
import { CELL_ZONE, peerLabel, type DnsInputs } from './model';

export type DnsSettingsRow = typeof dnsSettings.$inferSelect;

/** The core services every cell names: `dns.cell`, `ntp.cell`. */
const CORE_NAMES = [
  { name: 'dns', service: 'dns' },
  { name: 'ntp', service: 'ntp' },
];

export function ensureDns(db: DbOrTx, now = new Date()): void {
  db.insert(dnsSettings)
    .values({
      id: 1,
      upstreams: DEFAULT_UPSTREAMS,
      tlsServerName: null,
      cache: true,
      logLevel: 'info',
      serial: Math.floor(now.getTime() / 1000),
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
  for (const n of CORE_NAMES) {
    try {
      registerServiceNames(db, n.service, [n.name], now);
    } catch (err) {
      // A cell upgraded from before DNS may have a peer with that name: the peer keeps it.
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}

export function dnsRow(db: DbOrTx): DnsSettingsRow {
  const row = db.select().from(dnsSettings).where(eq(dnsSettings.id, 1)).get();
  if (!row) throw new InvalidStateError('DNS is not configured yet: complete setup first');
  return row;
}

/** Everything the DNS model needs, read in one transaction; null before setup. */
export function loadDnsInputs(db: Db): DnsInputs | null {
  return db.transaction((tx) => {
    const dns = tx.select().from(dnsSettings).where(eq(dnsSettings.id, 1)).get();
    if (!dns || !tx.select({ id: settings.id }).from(settings).where(eq(settings.id, 1)).get()) return null;
    const facts = cellFacts(tx);
    if (!facts.tunnel) return null;
    const plan = planOf(facts.tunnel);
    return {
      cellName: facts.name,
      domain: facts.domain,
      cell: hostAddresses(plan, CELL_HOST_INDEX),
      internalNets: facts.internalNetworks,
      peers: tx
        .select({ id: peers.id, name: peers.name, hostIndex: peers.hostIndex })
        .from(peers)
        .all()
        .map((p) => ({ id: p.id, name: p.name, ...hostAddresses(plan, p.hostIndex) })),
      services: tx
        .select({ name: dnsServiceNames.name, service: dnsServiceNames.service })
        .from(dnsServiceNames)
        .orderBy(dnsServiceNames.name)
        .all(),
      devices: tx
        .select({ name: dhcpReservations.name, address: dhcpReservations.address })
        .from(dhcpReservations)
        .orderBy(dhcpReservations.name)
        .all(),
      records: tx.select().from(dnsRecords).all(),
      settings: {
        upstreams: dns.upstreams,
        tlsServerName: dns.tlsServerName,
        cache: dns.cache,
        logLevel: dns.logLevel,
        publicAddress: dns.publicAddress,
        publicAddress6: dns.publicAddress6,
      },
    };
  });
}

/**
 * Who already holds a label in the `cell` zone, other than the given peer: the zone's
 * name server, the cell, a service, a DHCP reservation, another peer, or a custom record.
 */
export function cellLabelOwner(db: DbOrTx, label: string, exceptPeerId?: number): string | null {
  const cell = db.select({ name: settings.cellName }).from(settings).where(eq(settings.id, 1)).get();
  if (label === 'ns') return "the zone's name server";
  if (cell?.name === label) return 'the cell';
  const service = db.select().from(dnsServiceNames).where(eq(dnsServiceNames.name, label)).get();
  if (service) return `service ${service.service}`;
  const device = db
    .select({ name: dhcpReservations.name })
    .from(dhcpReservations)
    .where(eq(dhcpReservations.name, label))
    .get();
  if (device) return `device ${device.name} (DHCP reservation)`;
  // Peer names hold only letters, digits, `_`, `.` and `-`, so a name can give this label only if its
  // letters and digits are the label's: SQLite narrows the peers to those (and to names long enough to
  // have been cut), and peerLabel decides. A create does not read every peer.
  const alnum = label.replace(/-/g, '');
  const peer = db
    .select({ id: peers.id, name: peers.name })
    .from(peers)
    .where(
      sql`replace(replace(replace(lower(${peers.name}), '-', ''), '_', ''), '.', '') = ${alnum} OR length(${peers.name}) > 63`,
    )
    .all()
    .find((p) => p.id !== exceptPeerId && peerLabel(p.name) === label);
  if (peer) return `peer ${peer.name}`;
  const custom = db
    .select({ id: dnsRecords.id })
    .from(dnsRecords)
    .where(sql`${dnsRecords.zone} = ${CELL_ZONE} AND ${dnsRecords.name} = ${label}`)
    .get();
  return custom ? 'a custom record' : null;
}

/** Peers call this before taking a name: their `.cell` name must be free. */
export function assertPeerNameFree(db: DbOrTx, name: string, exceptPeerId?: number): void {
  const label = peerLabel(name);
  const owner = cellLabelOwner(db, label, exceptPeerId);
  if (owner) throw new ConflictError(`${label}.cell is already taken by ${owner}`, 'name');
}

/**
 * Services register the names they answer to (`calendar` → `calendar.cell` and
 * `calendar.<domain>`, both pointing at the cell). Registering again is a no-op.
 */
export function registerServiceNames(db: DbOrTx, service: string, names: string[], now = new Date()): void {
  for (const name of names) {
    const existing = db.select().from(dnsServiceNames).where(eq(dnsServiceNames.name, name)).get();
    if (existing?.service === service) continue;
    const owner = cellLabelOwner(db, name);
    if (owner) throw new ConflictError(`${name}.cell is already taken by ${owner}`);
    db.insert(dnsServiceNames).values({ name, service, createdAt: now }).run();
  }
}

export function unregisterServiceNames(db: DbOrTx, service: string): void {
  db.delete(dnsServiceNames).where(eq(dnsServiceNames.service, service)).run();
}
