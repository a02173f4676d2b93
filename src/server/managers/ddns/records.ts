/**
 * Records a service needs on the public side of the domain (mail's MX, SPF, DKIM, DMARC and
 * SRV), published through the DNS provider's API where the domain mode has one (Cloudflare).
 * Every record the cell makes carries a comment naming its owner, so it only ever changes or
 * removes its own: a record someone else made is reported as a conflict and left alone.
 */
import type { Db } from '../../db';
import { InvalidStateError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { cellExists, cellFacts, providerToken } from '../cell';
import { cloudflareApi, DdnsError, providerUrls, type CfRecord } from './providers';

export interface DomainRecord {
  /** The full name, with or without its final dot. */
  name: string;
  type: 'A' | 'CNAME' | 'MX' | 'SRV' | 'TXT';
  /** As a zone file writes it (`10 mail.example.org.`); null while it is not known. */
  value: string | null;
}

export interface Published {
  name: string;
  type: DomainRecord['type'];
  outcome: 'created' | 'updated' | 'present' | 'conflict' | 'waiting';
  detail: string;
}

const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();
const commentOf = (owner: string) => `personal-internet-cell: ${owner}`;

/** The API's form of a record (targets without their final dot, MX and SRV numbers apart). */
function toCloudflare(r: DomainRecord & { value: string }, comment: string): CfRecord {
  const base = { type: r.type, name: bare(r.name), ttl: 300, comment };
  const parts = r.value.split(/\s+/);
  switch (r.type) {
    case 'A':
      return { ...base, content: r.value, proxied: false };
    case 'CNAME':
      return { ...base, content: bare(r.value), proxied: false };
    case 'TXT':
      return { ...base, content: r.value };
    case 'MX':
      return { ...base, priority: Number(parts[0]), content: bare(parts[1]!) };
    case 'SRV':
      return {
        ...base,
        data: { priority: Number(parts[0]), weight: Number(parts[1]), port: Number(parts[2]), target: bare(parts[3]!) },
      };
  }
}

/** A listed record in the zone file's form, to compare with what the cell wants. */
function valueOf(r: CfRecord): string {
  const content = (r.content ?? '').replace(/^"(.*)"$/s, '$1');
  switch (r.type) {
    case 'MX':
      return `${r.priority ?? 0} ${bare(content)}.`;
    case 'SRV': {
      if (r.data) return `${r.data.priority} ${r.data.weight} ${r.data.port} ${bare(r.data.target)}.`;
      const [weight, port, target] = content.split(/\s+/);
      return `${r.priority ?? 0} ${weight} ${port} ${bare(target ?? '')}.`;
    }
    case 'CNAME':
      return `${bare(content)}.`;
    default:
      return content;
  }
}

const same = (type: string, a: string, b: string) => (type === 'A' || type === 'TXT' ? a === b : bare(a) === bare(b));

/** A TXT record's kind (`v=spf1`, `v=DMARC1`): only one of a kind may stand at a name. */
const txtKind = (value: string) => value.split(/[\s;]/)[0]!.toLowerCase();

/** Whether the cell publishes records itself: the Cloudflare domain mode, with its token. */
export function publishesRecords(db: Db): boolean {
  return cellExists(db) && cellFacts(db).domainMode === 'cloudflare' && providerToken(db) !== null;
}

function api(db: Db) {
  const token = providerToken(db);
  if (cellFacts(db).domainMode !== 'cloudflare' || !token)
    throw new InvalidStateError(
      'Only the Cloudflare domain mode publishes records: add them at your DNS provider by hand',
    );
  return cloudflareApi(token, providerUrls(runtimeOf(db).env));
}

/** One change at the provider at a time: two runs at once would each make the same missing record. */
const serially = serialQueue('ddns.records');

/** The provider's refusal or silence, said as a state the admin can change (a token, the network). */
function asked<T>(fn: () => Promise<T>): Promise<T> {
  return serially(async () => {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof DdnsError ? new InvalidStateError(err.message) : err;
    }
  });
}

/** Makes the provider hold `records` for `owner`, changing only records that owner made. */
export const publishDomainRecords = (db: Db, owner: string, records: DomainRecord[]) =>
  asked(() => publish(db, owner, records));

async function publish(db: Db, owner: string, records: DomainRecord[]): Promise<Published[]> {
  const cf = api(db);
  const comment = commentOf(owner);
  const zone = await cf.zoneOf(cellFacts(db).domain);
  const out: Published[] = [];
  for (const r of records) {
    const at = { name: bare(r.name), type: r.type };
    if (r.value === null) {
      out.push({ ...at, outcome: 'waiting', detail: 'its value is not known yet' });
      continue;
    }
    const want = r.value;
    const listed = (await cf.records(zone, { type: r.type, name: bare(r.name) })).filter(
      (x) => r.type !== 'TXT' || txtKind(valueOf(x)) === txtKind(want),
    );
    if (listed.some((x) => same(r.type, valueOf(x), want))) {
      out.push({ ...at, outcome: 'present', detail: want });
      continue;
    }
    const mine = listed.find((x) => x.comment === comment);
    const foreign = listed.filter((x) => x.comment !== comment);
    if (foreign.length) {
      out.push({
        ...at,
        outcome: 'conflict',
        detail: `already holds ${foreign.map(valueOf).join(', ')}, not made by the cell: change or delete it at Cloudflare`,
      });
      continue;
    }
    const record = toCloudflare({ ...r, value: want }, comment);
    if (mine?.id) await cf.replace(zone, mine.id, record);
    else await cf.create(zone, record);
    out.push({ ...at, outcome: mine ? 'updated' : 'created', detail: want });
  }
  return out;
}

/** Removes every record the cell made for `owner`; resolves with how many went. */
export const withdrawDomainRecords = (db: Db, owner: string) => asked(() => withdraw(db, owner));

async function withdraw(db: Db, owner: string): Promise<number> {
  const cf = api(db);
  const comment = commentOf(owner);
  const zone = await cf.zoneOf(cellFacts(db).domain);
  const mine = (await cf.records(zone, { 'comment.exact': comment })).filter((r) => r.comment === comment && r.id);
  for (const r of mine) await cf.remove(zone, r.id!);
  return mine.length;
}
