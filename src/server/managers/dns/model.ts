/**
 * Pure: from the cell's state to the names it serves and the files CoreDNS reads.
 * Automatic names (peers, the cell, services) are derived here on every render, so
 * they follow creates, renames, re-addressing and removals without being stored.
 */
import type { ExistingRecord, RecordType } from '@/lib/schemas/dns';
import { NAME_SERVER_LABEL, SERVICE_KINDS, type NameKind } from '../names';
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
  domain: string;
  /** The cell's own tunnel addresses. */
  cell: { v4: string; v6: string | null };
  /** Networks whose queries get the internal view: the tunnel subnets and the cell network. */
  internalNets: string[];
  /** The registry's names that point somewhere (peers, the cell, services, DHCP reservations), by label. */
  names: DnsName[];
  records: { id: number; zone: 'cell' | 'domain'; name: string; type: RecordType; value: string; ttl: number }[];
  /** What installed services need in the domain (mail's MX, SPF, …), each with its holder. */
  serviceRecords: ServiceRecord[];
  settings: DnsSettingsView;
}

export interface ServiceRecord {
  name: string;
  type: RecordType;
  value: string;
  owner: string;
}

export interface DnsName {
  label: string;
  kind: NameKind;
  /** The holder within its kind (a peer's id). */
  ref: string;
  /** The holder as people read it: `peer alice`. */
  owner: string;
  address: { v4: string; v6: string | null };
}

/** A record as the page and the renderers see it: `zone` is `cell` or the domain itself. */
export interface NamedRecord extends ExistingRecord {
  ttl: number;
  /** Custom records have an id; automatic ones have an owner. */
  source: string;
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
 * Every automatic name, internal view: the zone's `ns`, then each name of the registry. The
 * domain gets its apex, `ns`, a wildcard and the service names, all pointing at the cell.
 */
export function automaticNames(
  i: Pick<DnsInputs, 'domain' | 'cell' | 'names'> & Partial<Pick<DnsInputs, 'serviceRecords'>>,
): NamedRecord[] {
  const out: NamedRecord[] = [
    ...addressRecords(CELL_ZONE, NAME_SERVER_LABEL, i.cell, AUTO_TTL.cell, "the zone's name server"),
  ];
  for (const n of i.names)
    out.push(
      ...addressRecords(CELL_ZONE, n.label, n.address, n.kind === 'peer' ? AUTO_TTL.peer : AUTO_TTL.cell, n.owner),
    );
  out.push(
    ...addressRecords(i.domain, '@', i.cell, AUTO_TTL.cell, 'the cell'),
    ...addressRecords(i.domain, NAME_SERVER_LABEL, i.cell, AUTO_TTL.cell, "the zone's name server"),
    ...addressRecords(i.domain, '*', i.cell, AUTO_TTL.cell, 'the cell (every subdomain)'),
  );
  for (const n of i.names)
    if (SERVICE_KINDS.includes(n.kind)) out.push(...addressRecords(i.domain, n.label, i.cell, AUTO_TTL.cell, n.owner));
  for (const r of i.serviceRecords ?? [])
    out.push({
      zone: i.domain,
      name: r.name,
      type: r.type,
      value: r.value,
      ttl: AUTO_TTL.cell,
      owner: r.owner,
      source: r.owner,
    });
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
      if (!r.owner || (r.type !== 'A' && r.type !== 'AAAA')) return [r];
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
