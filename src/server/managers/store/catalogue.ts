/**
 * The catalogue: the bundled manifests, and the publisher's signed index when one is
 * configured (`PIC_STORE_INDEX_URL`, verified under the keys `PIC_STORE_INDEX_KEYS` names).
 * An index entry replaces the bundled one with its id. An index that cannot be fetched or
 * does not verify is not used, and the catalogue says why.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { manifestSchema, type Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { NotFoundError } from '../../errors';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { BUNDLED } from './bundled';
import { indexKey, IndexSignatureError, verifyIndex, type IndexKey } from './index-signature';
import { pemSetting } from './keys';

export const INDEX_VERSION = 1;
/** An index is fetched again after this long (and whenever the admin asks). */
const INDEX_TTL_MS = 10 * 60_000;
const INDEX_TIMEOUT_MS = 10_000;
const INDEX_MAX_BYTES = 4 * 1024 * 1024;

export interface IndexStatus {
  url: string | null;
  state: 'none' | 'used' | 'refused';
  reason: string | null;
  entries: number;
  fetchedAt: Date | null;
}

const indexDocument = z.looseObject({
  indexVersion: z.literal(INDEX_VERSION, { error: `Only indexVersion ${INDEX_VERSION} is understood` }),
  services: z.array(z.unknown()).max(500),
});

/** An index key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo. */
export function indexKeyId(pem: string): string {
  const der = indexKey('key', pem).key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export const bundledManifests = (): Manifest[] => BUNDLED.map((m) => manifestSchema.parse(m));

/** The manifests of a verified index document; an entry that does not parse refuses the whole index. */
export function indexManifests(text: string, keys: readonly IndexKey[]): Manifest[] {
  const doc = indexDocument.safeParse(verifyIndex(text, keys));
  if (!doc.success) throw new IndexSignatureError(`The index is not an index: ${doc.error.issues[0]!.message}`);
  return doc.data.services.map((entry, i) => {
    const parsed = manifestSchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new IndexSignatureError(`Index entry ${i}: ${[...issue.path].join('.') || 'manifest'}: ${issue.message}`);
  });
}

const memory = processWide('store.index', () => ({
  at: 0,
  url: null as string | null,
  manifests: [] as Manifest[],
  status: { url: null, state: 'none', reason: null, entries: 0, fetchedAt: null } as IndexStatus,
}));

async function fetchIndex(url: string, keys: IndexKey[]): Promise<Manifest[]> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(INDEX_TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    throw new IndexSignatureError(`The index at ${url} cannot be reached: ${(err as Error).message}`);
  }
  if (!response.ok) throw new IndexSignatureError(`The index at ${url} answered ${response.status}`);
  const text = await response.text();
  if (text.length > INDEX_MAX_BYTES) throw new IndexSignatureError('The index is larger than 4 MiB');
  return indexManifests(text, keys);
}

/** The index as last fetched, fetched again when stale or when asked. */
export async function refreshIndex(db: Db, opts: { force?: boolean } = {}): Promise<IndexStatus> {
  const env = runtimeOf(db).env;
  const url = env.PIC_STORE_INDEX_URL?.trim() || null;
  if (!url) {
    Object.assign(memory, { url, manifests: [], status: { ...memory.status, url, state: 'none', reason: null } });
    return memory.status;
  }
  if (!opts.force && memory.url === url && Date.now() - memory.at < INDEX_TTL_MS) return memory.status;
  memory.at = Date.now();
  memory.url = url;
  try {
    const keys = pemSetting(env, 'PIC_STORE_INDEX_KEYS').map((pem) => indexKey(indexKeyId(pem), pem));
    if (!keys.length) throw new IndexSignatureError('No index key is trusted: set PIC_STORE_INDEX_KEYS');
    memory.manifests = await fetchIndex(url, keys);
    memory.status = { url, state: 'used', reason: null, entries: memory.manifests.length, fetchedAt: new Date() };
  } catch (err) {
    memory.manifests = [];
    memory.status = { url, state: 'refused', reason: (err as Error).message, entries: 0, fetchedAt: new Date() };
  }
  return memory.status;
}

/** Every manifest on offer, by id: the index's over the bundled ones. */
export async function manifests(db: Db): Promise<Map<string, Manifest>> {
  await refreshIndex(db);
  const out = new Map<string, Manifest>();
  for (const m of bundledManifests()) out.set(m.id, m);
  for (const m of memory.manifests) out.set(m.id, m);
  return out;
}

export async function manifestOf(db: Db, id: string): Promise<Manifest> {
  const m = (await manifests(db)).get(id);
  if (!m) throw new NotFoundError(`The catalogue has no service ${id}`);
  return m;
}

/** Compares two `x.y.z[-pre]` versions (pre-releases before their release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split(/[-+]/, 2) as [string, string | undefined];
    return { nums: core.split('.').map(Number), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! - y.nums[i]!;
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  return x.pre < y.pre ? -1 : 1;
}
