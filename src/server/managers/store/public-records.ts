/**
 * The records a service needs, as the public side of the domain must hold them (the service's
 * address is the cell's public one), and whether public DNS already does: asked of the
 * resolvers in `PIC_PUBLIC_RESOLVERS` (default 1.1.1.1 and 9.9.9.9), never the cell's own.
 */
import { Resolver } from 'node:dns/promises';
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { cellFacts } from '../cell';
import { publishDomainRecords, publishesRecords, withdrawDomainRecords } from '../ddns';
import type { Step } from './operation';
import { fillPlaceholders } from './model';
import { templateOf } from './dns-records';
import { instanceRow, instanceRows, manifestOfRow } from './state';

export interface PublicRecord {
  /** The full name, with its final dot. */
  name: string;
  type: 'A' | 'CNAME' | 'MX' | 'SRV' | 'TXT';
  /** As a zone file or a provider's form takes it; null while the public address (or the service's value) is unknown. */
  value: string | null;
  why: string;
}

export type PublicState =
  | { state: 'present' }
  | { state: 'missing' }
  | { state: 'different'; seen: string[] }
  | { state: 'unknown'; reason: string };

/** A relative target (`mail`) made absolute in the domain. */
const absolute = (target: string, domain: string) => (target.endsWith('.') ? target : `${target}.${domain}.`);

export function publicRecords(db: Db, instanceId: string): { records: PublicRecord[]; publicAddress: string | null } {
  const row = instanceRow(db, instanceId);
  const facts = cellFacts(db);
  const records = manifestOfRow(row).dns.map((r): PublicRecord => {
    const template = templateOf(row, r);
    const value =
      template === null || (template.includes('{{address}}') && !facts.publicAddress)
        ? null
        : fillPlaceholders(template, {
            domain: facts.domain,
            instance: row.id,
            address: facts.publicAddress ?? '',
          });
    const name = r.name === '@' ? `${facts.domain}.` : `${r.name}.${facts.domain}.`;
    // A target at the end (MX, SRV, CNAME) is written out whole, as public providers want it.
    const shown =
      value !== null && r.type !== 'A' && r.type !== 'TXT'
        ? value.replace(/(\S+)$/, (t) => absolute(t, facts.domain))
        : value;
    return { name, type: r.type, value: shown, why: r.why };
  });
  return { records, publicAddress: facts.publicAddress };
}

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');

async function seenOf(resolver: Resolver, r: PublicRecord): Promise<string[]> {
  const name = r.name.replace(/\.$/, '');
  switch (r.type) {
    case 'A':
      return resolver.resolve4(name);
    case 'CNAME':
      return (await resolver.resolveCname(name)).map((c) => `${lower(c)}.`);
    case 'MX':
      return (await resolver.resolveMx(name)).map((m) => `${m.priority} ${lower(m.exchange)}.`);
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((s) => `${s.priority} ${s.weight} ${s.port} ${lower(s.name)}.`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  }
}

/** Asks public DNS for each record; a name with other values of the type is `different`, naming them. */
export async function checkPublicRecords(db: Db, records: PublicRecord[]): Promise<PublicState[]> {
  const servers = (runtimeOf(db).env.PIC_PUBLIC_RESOLVERS ?? '1.1.1.1,9.9.9.9')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers(servers);
  return Promise.all(
    records.map(async (r): Promise<PublicState> => {
      if (r.value === null) return { state: 'unknown', reason: 'its value is not known yet' };
      try {
        const seen = await seenOf(resolver, r);
        const want = r.type === 'A' || r.type === 'TXT' ? r.value : r.value.toLowerCase();
        if (seen.includes(want)) return { state: 'present' };
        return seen.length ? { state: 'different', seen } : { state: 'missing' };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTFOUND' || code === 'ENODATA') return { state: 'missing' };
        return { state: 'unknown', reason: `public DNS did not answer (${code ?? (err as Error).message})` };
      }
    }),
  );
}

/** The records for the service's page, each with what public DNS says when asked to check. */
export async function recordsView(db: Db, instanceId: string, check: boolean) {
  const { records, publicAddress } = publicRecords(db, instanceId);
  const states = check ? await checkPublicRecords(db, records) : null;
  return {
    publicAddress,
    /** Whether the cell sends them to the DNS provider itself (the Cloudflare domain mode). */
    publishes: publishesRecords(db),
    records: records.map((r, i) => ({ ...r, public: states?.[i] ?? null })),
  };
}

const owner = (instanceId: string) => `service ${instanceId}`;

/** Publishes the service's records through the DNS provider's API (the Cloudflare domain mode). */
export function publishServiceRecords(db: Db, instanceId: string) {
  return publishDomainRecords(db, owner(instanceId), publicRecords(db, instanceId).records);
}

/**
 * After the public address moved: every installed service's records are sent again (only the
 * cell's own change). Resolves with how many records changed; a failure is the applier's outcome.
 */
export async function republishRecords(db: Db): Promise<number> {
  if (!publishesRecords(db)) return 0;
  let changedCount = 0;
  for (const row of instanceRows(db)) {
    if (row.state !== 'installed' || manifestOfRow(row).dns.length === 0) continue;
    const done = await publishServiceRecords(db, row.id);
    changedCount += done.filter((r) => r.outcome === 'created' || r.outcome === 'updated').length;
  }
  return changedCount;
}

/**
 * The install's last step where the cell publishes records itself: a failure is shown and
 * notified on the service page, and the service stays installed (the records can be sent again).
 */
export function publishStep(db: Db, instanceId: string): Step[] {
  if (manifestOfRow(instanceRow(db, instanceId)).dns.length === 0 || !publishesRecords(db)) return [];
  return [
    {
      name: 'publish',
      optional: true,
      run: async () => {
        const done = await publishServiceRecords(db, instanceId);
        const bad = done.filter((r) => r.outcome === 'conflict' || r.outcome === 'waiting');
        if (bad.length) throw new Error(bad.map((r) => `${r.name} ${r.type}: ${r.detail}`).join('; '));
        return `${done.length} records at Cloudflare`;
      },
    },
  ];
}

/** The removal's last step: the records the cell published for the service go from the provider. */
export function withdrawStep(db: Db, instanceId: string): Step[] {
  if (!publishesRecords(db)) return [];
  return [
    {
      name: 'records',
      optional: true,
      run: async () => `${await withdrawDomainRecords(db, owner(instanceId))} records removed at Cloudflare`,
    },
  ];
}
