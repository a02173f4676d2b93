/** The DNS rows: created at setup (or first start), read into the pure model's inputs. */
import { eq } from 'drizzle-orm';
import { DEFAULT_UPSTREAMS } from '@/lib/schemas/dns';
import type { Db, DbOrTx } from '../../db';
import { dnsRecords, dnsSettings } from '../../db/schema';
import { ConflictError, InvalidStateError } from '../../errors';
import { CELL_HOST_INDEX, hostAddresses, planOf, type Plan } from '../wireguard';
import { cellExists, cellFacts } from '../cell';
import {
  claimName,
  heldNames,
  heldNamesOf,
  namesOf,
  releaseName,
  serviceOwner,
  type HeldName,
  type NameOwner,
} from '../names';
import type { DnsInputs, DnsName, ServiceRecord } from './model';
import { runtimeOf } from '../../runtime/runtime';
import { processWide } from '../../runtime/process-wide';

export type DnsSettingsRow = typeof dnsSettings.$inferSelect;

/** The core services every cell names: `dns.cell`, `ntp.cell`. */
const CORE_NAMES = [
  { name: 'dns', service: 'dns' },
  { name: 'ntp', service: 'ntp' },
];

export function ensureDns(db: DbOrTx, now = runtimeOf(db).clock()): void {
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
      claimName(db, n.name, serviceOwner(n.service, 'core'), { to: 'cell' }, { now });
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
    if (!dns || !cellExists(tx)) return null;
    const facts = cellFacts(tx);
    if (!facts.tunnel) return null;
    const plan = planOf(facts.tunnel);
    const cell = hostAddresses(plan, CELL_HOST_INDEX);
    return {
      domain: facts.domain,
      cell,
      internalNets: facts.internalNetworks,
      names: heldNames(tx).flatMap((n) => dnsName(n, plan, cell)),
      records: tx.select().from(dnsRecords).orderBy(dnsRecords.id).all(),
      serviceRecords: sources.serviceRecords?.(tx) ?? [],
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

/** A held name as DNS renders it, where it points in the tunnel's plan; none for a name without an address. */
function dnsName(n: HeldName, plan: Plan, cell: DnsInputs['cell']): DnsName[] {
  const t = n.target;
  if (!t) return [];
  const address = t.to === 'cell' ? cell : t.to === 'host' ? hostAddresses(plan, t.index) : { v4: t.address, v6: null };
  return [{ label: n.label, kind: n.owner.kind, ref: n.owner.ref, owner: n.owner.description, address }];
}

/** The names these peers hold now, as DNS renders them (after their change: one read each). */
export function peersDnsNames(db: Db, ids: Iterable<number>): Map<number, DnsName[]> | null {
  return db.transaction((tx) => {
    const facts = cellFacts(tx);
    if (!facts.tunnel) return null;
    const plan = planOf(facts.tunnel);
    const cell = hostAddresses(plan, CELL_HOST_INDEX);
    return new Map(
      [...ids].map((id) => [
        id,
        heldNamesOf(tx, { kind: 'peer', ref: String(id) }).flatMap((n) => dnsName(n, plan, cell)),
      ]),
    );
  });
}

/** Custom records of the `cell` zone hold their label together, while any record has it. */
const RECORDS: NameOwner = { kind: 'record', ref: 'custom', description: 'a custom record' };

/** After custom records changed: the registry holds exactly the `cell` labels they use. */
export function syncRecordNames(db: DbOrTx, now = runtimeOf(db).clock()): void {
  const used = new Set(
    db
      .select({ zone: dnsRecords.zone, name: dnsRecords.name })
      .from(dnsRecords)
      .where(eq(dnsRecords.zone, 'cell'))
      .all()
      .map((r) => r.name)
      .filter((n) => n !== '@'),
  );
  for (const held of namesOf(db, RECORDS)) if (!used.has(held)) releaseName(db, held);
  for (const name of used) claimName(db, name, RECORDS, null, { now, field: 'name' });
}

/** Where DNS learns what installed services need in the domain (declared in `server/appliers.ts`). */
const sources = processWide('dns.sources', () => ({
  serviceRecords: null as ((tx: DbOrTx) => ServiceRecord[]) | null,
}));

export function declareServiceRecords(read: (tx: DbOrTx) => ServiceRecord[]): void {
  sources.serviceRecords = read;
}
