/** Custom records: validated against the zone, the automatic names and each other, then applied. */
import { count, eq } from 'drizzle-orm';
import { recordConflict, type RecordInput } from '@/lib/schemas/dns';
import type { Db } from '../../db';
import { dnsRecords } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { RenderError } from '../render-guard';
import { applyDns } from './apply';
import { allRecords, automaticNames, CELL_ZONE, renderDnsFiles } from './model';
import { loadDnsInputs, syncRecordNames } from './state';
import { runtimeOf } from '../../runtime/runtime';

type RecordRow = typeof dnsRecords.$inferSelect;

function inputsOf(db: Db) {
  const inputs = loadDnsInputs(db);
  if (!inputs) throw new ValidationError('DNS is not configured yet: complete setup first');
  return inputs;
}

const publicRecord = (r: RecordRow, domain: string) => ({
  id: r.id,
  zone: r.zone === 'cell' ? CELL_ZONE : domain,
  name: r.name,
  type: r.type,
  value: r.value,
  ttl: r.ttl,
  updatedAt: r.updatedAt,
});

/** Automatic names (read only, with their owner) and custom records; `search` matches names and values. */
/** How many records the admin added (the automatic names not counted). */
export function countRecords(db: Db): number {
  return db.select({ n: count() }).from(dnsRecords).get()?.n ?? 0;
}

export function listRecords(db: Db, search?: string) {
  const inputs = inputsOf(db);
  const q = search?.trim().toLowerCase();
  const match = (r: { name: string; zone: string; value: string }) =>
    !q || `${r.name === '@' ? '' : `${r.name}.`}${r.zone}`.includes(q) || r.value.toLowerCase().includes(q);
  const custom = db
    .select()
    .from(dnsRecords)
    .all()
    .map((r) => publicRecord(r, inputs.domain))
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
  return {
    zones: [CELL_ZONE, inputs.domain],
    automatic: automaticNames(inputs)
      .filter(match)
      .map((r) => ({ zone: r.zone, name: r.name, type: r.type, value: r.value, ttl: r.ttl, owner: r.owner! })),
    custom: custom.filter(match),
  };
}

function zoneKey(zone: string, domain: string): 'cell' | 'domain' {
  if (zone === CELL_ZONE) return 'cell';
  if (zone === domain) return 'domain';
  throw new ValidationError(`The zone must be ${CELL_ZONE} or the cell's domain ${domain}`, 'zone');
}

/**
 * Checks a candidate against every other record, stores it, and proves the zone still
 * renders, all in one transaction: a refused change leaves nothing behind.
 */
function store(db: Db, input: RecordInput, id: number | undefined, now: Date): RecordRow {
  return db.transaction(
    (tx) => {
      const t = tx as unknown as Db;
      const inputs = inputsOf(t);
      const zone = zoneKey(input.zone, inputs.domain);
      if (input.type === 'CNAME' && input.name === '@')
        throw new ValidationError('The zone itself cannot be a CNAME', 'type');
      const conflict = recordConflict(
        { id, zone: input.zone, name: input.name, type: input.type, value: input.value },
        allRecords(inputs),
      );
      if (conflict) throw new ConflictError(conflict.message, conflict.field);
      const values = { zone, name: input.name, type: input.type, value: input.value, ttl: input.ttl, updatedAt: now };
      const row =
        id === undefined
          ? tx
              .insert(dnsRecords)
              .values({ ...values, createdAt: now })
              .returning()
              .get()
          : tx.update(dnsRecords).set(values).where(eq(dnsRecords.id, id)).returning().get();
      if (!row) throw new NotFoundError(`Record ${id} not found`);
      syncRecordNames(tx, now);
      try {
        renderDnsFiles(inputsOf(t), 0);
      } catch (err) {
        if (err instanceof RenderError)
          throw new ValidationError(`This record cannot be written to a zone file: ${err.message}`, 'value');
        throw err;
      }
      return row;
    },
    { behavior: 'immediate' },
  );
}

export async function createRecord(db: Db, input: RecordInput, now = runtimeOf(db).clock()) {
  const row = store(db, input, undefined, now);
  const apply = await applyDns(db);
  return { ...publicRecord(row, inputsOf(db).domain), apply };
}

export async function updateRecord(db: Db, input: RecordInput & { id: number }, now = runtimeOf(db).clock()) {
  const { id, ...rest } = input;
  const row = store(db, rest, id, now);
  const apply = await applyDns(db);
  return { ...publicRecord(row, inputsOf(db).domain), apply };
}

export async function removeRecord(db: Db, id: number) {
  const row = db.transaction((tx) => {
    const removed = tx.delete(dnsRecords).where(eq(dnsRecords.id, id)).returning().get();
    if (removed) syncRecordNames(tx);
    return removed;
  });
  if (!row) throw new NotFoundError(`Record ${id} not found`);
  const apply = await applyDns(db);
  return { ...publicRecord(row, inputsOf(db).domain), apply };
}
