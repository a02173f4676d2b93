/**
 * "Test a name": asks the running DNS container (or `PIC_DNS_SERVER`), and without one
 * answers from the rendered records, so the page always says what a peer would get.
 */
import { Resolver } from 'node:dns/promises';
import type { RecordType } from '@/lib/schemas/dns';
import type { Db } from '../../db';
import { cellFacts } from '../cell';
import { allRecords, CELL_ZONE, type NamedRecord } from './model';
import { loadDnsInputs } from './state';
import { runtimeOf } from '../../runtime/runtime';

export interface LookupResult {
  name: string;
  type: RecordType;
  /** `NOERROR` with answers, `NXDOMAIN` (no such name), `NODATA` (the name has no record of this type), `ERROR`. */
  status: 'NOERROR' | 'NXDOMAIN' | 'NODATA' | 'ERROR';
  answers: string[];
  /** Who answered, in words. */
  source: string;
  error?: string;
}

type Answer = Pick<LookupResult, 'status' | 'answers'>;

const display = (r: Pick<NamedRecord, 'type' | 'value'>) => (r.type === 'TXT' ? JSON.stringify(r.value) : r.value);

/** Answers from records alone (internal view): exact name, then CNAME (followed inside the zones), then wildcard. */
export function answerFromRecords(
  records: NamedRecord[],
  zones: string[],
  name: string,
  type: RecordType,
  depth = 0,
): Answer | null {
  const zone = zones.filter((z) => name === z || name.endsWith(`.${z}`)).sort((a, b) => b.length - a.length)[0];
  if (!zone) return null;
  const relative = name === zone ? '@' : name.slice(0, -(zone.length + 1));
  const inZone = records.filter((r) => r.zone === zone);
  let owned = inZone.filter((r) => r.name === relative);
  if (!owned.length && relative !== '@') {
    const labels = relative.split('.');
    for (let i = 1; i <= labels.length && !owned.length; i++)
      owned = inZone.filter((r) => r.name === ['*', ...labels.slice(i)].join('.'));
  }
  if (!owned.length) return relative === '@' ? { status: 'NODATA', answers: [] } : { status: 'NXDOMAIN', answers: [] };
  const direct = owned.filter((r) => r.type === type);
  if (direct.length) return { status: 'NOERROR', answers: direct.map(display).sort() };
  const cname = owned.find((r) => r.type === 'CNAME');
  if (cname && type !== 'CNAME') {
    const target = cname.value.endsWith('.')
      ? cname.value.slice(0, -1)
      : cname.value === '@'
        ? zone
        : `${cname.value}.${zone}`;
    const next = depth < 8 ? answerFromRecords(records, zones, target, type, depth + 1) : null;
    return { status: 'NOERROR', answers: [`CNAME ${cname.value}`, ...(next?.answers ?? [])] };
  }
  return { status: 'NODATA', answers: [] };
}

async function ask(server: string, name: string, type: RecordType): Promise<Answer> {
  const resolver = new Resolver({ timeout: 1500, tries: 1 });
  resolver.setServers([server]);
  try {
    const raw = (await resolver.resolve(name, type)) as unknown[];
    const answers = raw.map((a) => {
      if (typeof a === 'string') return a;
      if (Array.isArray(a)) return JSON.stringify(a.join(''));
      const r = a as { priority?: number; exchange?: string; weight?: number; port?: number; name?: string };
      return type === 'MX' ? `${r.priority} ${r.exchange}` : `${r.priority} ${r.weight} ${r.port} ${r.name}`;
    });
    return { status: 'NOERROR', answers: answers.sort() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') return { status: 'NXDOMAIN', answers: [] };
    if (code === 'ENODATA') return { status: 'NODATA', answers: [] };
    throw new Error(`${server} did not answer: ${code ?? (err as Error).message}`);
  }
}

export async function lookupName(db: Db, name: string, type: RecordType): Promise<LookupResult> {
  const inputs = loadDnsInputs(db);
  const fromRecords = (source: string, error?: string): LookupResult => {
    const zones = inputs ? [CELL_ZONE, inputs.domain] : [];
    const answer = inputs ? answerFromRecords(allRecords(inputs), zones, name, type) : null;
    if (answer) return { name, type, ...answer, source, ...(error ? { error } : {}) };
    return {
      name,
      type,
      status: 'ERROR',
      answers: [],
      source,
      error: `${name} is outside the cell's zones; only the running DNS container can ask the upstream resolvers${error ? ` (${error})` : ''}`,
    };
  };
  const address =
    runtimeOf(db).env.PIC_DNS_SERVER || (await runtimeOf(db).engine.status()).reachable ? cellFacts(db).dns : null;
  const server = address ? `${address.host}:${address.port}` : null;
  if (!server) return fromRecords('the rendered zones (no DNS container is reachable)');
  try {
    return { name, type, ...(await ask(server, name, type)), source: `cell-dns at ${server}` };
  } catch (err) {
    return fromRecords('the rendered zones', (err as Error).message);
  }
}
