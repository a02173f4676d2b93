/**
 * Pure: from the cell's state to the names it serves and the files CoreDNS reads.
 * Automatic names (peers, the cell, services) are derived here on every render, so
 * they follow creates, renames, re-addressing and removals without being stored.
 */
import type { ExistingRecord, RecordType } from '@/lib/schemas/dns';
import { renderCorefile, renderZone, type ZoneRecord } from './render';

export const CELL_ZONE = 'cell';
/** Where the config folder is mounted in `cell-dns`. */
export const ZONE_DIR = '/etc/coredns';
const AUTO_TTL = { peer: 60, cell: 300 };

export interface DnsSettingsView {
  upstreams: string[];
  tlsServerName: string | null;
  cache: boolean;
  logLevel: 'info' | 'debug';
  publicAddress: string | null;
  publicAddress6: string | null;
}

export interface DnsInputs {
  cellName: string;
  domain: string;
  /** The cell's own tunnel addresses. */
  cell: { v4: string; v6: string | null };
  /** Networks whose queries get the internal view: the tunnel subnets and the cell network. */
  internalNets: string[];
  peers: { id: number; name: string; v4: string; v6: string | null }[];
  services: { name: string; service: string }[];
  /** DHCP reservations on the LAN: their names point at their LAN addresses. */
  devices: { name: string; address: string }[];
  records: { id: number; zone: 'cell' | 'domain'; name: string; type: RecordType; value: string; ttl: number }[];
  settings: DnsSettingsView;
}

/** A record as the page and the renderers see it: `zone` is `cell` or the domain itself. */
export interface NamedRecord extends ExistingRecord {
  ttl: number;
  /** Custom records have an id; automatic ones have an owner. */
  source: string;
}

/** A peer's name as a DNS label: lowercase, `_` and `.` become `-`. */
export function peerLabel(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'peer'
  );
}

function addressRecords(
  zone: string,
  name: string,
  a: { v4: string; v6: string | null },
  ttl: number,
  owner: string,
): NamedRecord[] {
  const out: NamedRecord[] = [{ zone, name, type: 'A', value: a.v4, ttl, owner, source: owner }];
  if (a.v6) out.push({ zone, name, type: 'AAAA', value: a.v6, ttl, owner, source: owner });
  return out;
}

/**
 * Every automatic name, internal view. The zone's `ns` comes first, then the cell, its
 * services, DHCP reservations, then peers; a label already held is not given twice.
 */
export function automaticNames(
  i: Pick<DnsInputs, 'cellName' | 'domain' | 'cell' | 'peers' | 'services' | 'devices'>,
): NamedRecord[] {
  const out: NamedRecord[] = [...addressRecords(CELL_ZONE, 'ns', i.cell, AUTO_TTL.cell, "the zone's name server")];
  const held = new Set(['ns']);
  const add = (name: string, a: { v4: string; v6: string | null }, ttl: number, owner: string) => {
    if (held.has(name)) return;
    held.add(name);
    out.push(...addressRecords(CELL_ZONE, name, a, ttl, owner));
  };
  add(i.cellName, i.cell, AUTO_TTL.cell, 'the cell');
  for (const s of i.services) add(s.name, i.cell, AUTO_TTL.cell, `service ${s.service}`);
  for (const d of i.devices)
    add(d.name, { v4: d.address, v6: null }, AUTO_TTL.cell, `device ${d.name} (DHCP reservation)`);
  for (const p of [...i.peers].sort((a, b) => a.id - b.id)) add(peerLabel(p.name), p, AUTO_TTL.peer, `peer ${p.name}`);
  // The domain: the apex, every subdomain (Caddy routes) and the service names point at the cell.
  out.push(
    ...addressRecords(i.domain, '@', i.cell, AUTO_TTL.cell, 'the cell'),
    ...addressRecords(i.domain, 'ns', i.cell, AUTO_TTL.cell, "the zone's name server"),
  );
  out.push(...addressRecords(i.domain, '*', i.cell, AUTO_TTL.cell, 'the cell (every subdomain)'));
  for (const s of i.services)
    if (s.name !== 'ns') out.push(...addressRecords(i.domain, s.name, i.cell, AUTO_TTL.cell, `service ${s.service}`));
  return out;
}

export function customRecords(i: Pick<DnsInputs, 'domain' | 'records'>): NamedRecord[] {
  return i.records.map((r) => ({ ...r, zone: r.zone === 'cell' ? CELL_ZONE : i.domain, source: 'custom' }));
}

/** Custom and automatic records of the internal view, as the conflict rules and lookups see them. */
export function allRecords(i: DnsInputs): NamedRecord[] {
  return [...automaticNames(i), ...customRecords(i)];
}

const zoneRecord = (r: NamedRecord): ZoneRecord => ({
  name: r.name,
  type: r.type,
  value: r.value,
  ttl: r.ttl,
  source: r.source,
});
const notNs = (r: NamedRecord) => r.name !== 'ns';

export const zoneFile = (origin: string, view?: 'internal' | 'external') => `${origin}${view ? `.${view}` : ''}.zone`;

/** The files of `config/dns/`: the Corefile and one zone file per zone and view. */
export function renderDnsFiles(i: DnsInputs, serial: number): Map<string, string> {
  const records = allRecords(i).filter(notNs);
  const of = (zone: string) => records.filter((r) => r.zone === zone);
  const files = new Map<string, string>();
  const zone = (origin: string, nsAddress: string, rs: NamedRecord[], note?: string) =>
    renderZone({ origin, serial, nsAddress, defaultTtl: 300, records: rs.map(zoneRecord), note });
  files.set(zoneFile(CELL_ZONE), zone(CELL_ZONE, i.cell.v4, of(CELL_ZONE)));
  files.set(zoneFile(i.domain, 'internal'), zone(i.domain, i.cell.v4, of(i.domain), 'internal view'));

  const { publicAddress, publicAddress6 } = i.settings;
  const publicIp = publicAddress ?? publicAddress6;
  if (publicIp) {
    // Outsiders: the same names, with the public addresses instead of the tunnel ones.
    const external = of(i.domain).flatMap((r): NamedRecord[] => {
      if (!r.owner) return [r];
      if (r.type === 'A') return publicAddress ? [{ ...r, value: publicAddress }] : [];
      return publicAddress6 ? [{ ...r, value: publicAddress6 }] : [];
    });
    files.set(zoneFile(i.domain, 'external'), zone(i.domain, publicIp, external, 'external view'));
  }
  files.set(
    'Corefile',
    renderCorefile({
      dir: ZONE_DIR,
      zones: [{ origin: CELL_ZONE, file: zoneFile(CELL_ZONE) }],
      splitHorizon: {
        origin: i.domain,
        internalFile: zoneFile(i.domain, 'internal'),
        externalFile: publicIp ? zoneFile(i.domain, 'external') : null,
        internalNets: i.internalNets,
      },
      upstreams: i.settings.upstreams,
      tls: i.settings.tlsServerName ? { serverName: i.settings.tlsServerName } : null,
      cache: i.settings.cache,
      debugLog: i.settings.logLevel === 'debug',
    }),
  );
  return files;
}
