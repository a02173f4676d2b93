/** Reading the trail: counts, the filtered list, and the CSV export. */
import { and, asc, count, desc, eq, gt, gte, isNull, like, lte, ne, notLike, or, sql, type SQL } from 'drizzle-orm';
import { parseInput, peerIdOf } from '@/lib/activity';
import type { AuditListInput } from '@/lib/schemas/audit';
import type { Db } from '../../db';
import { auditEntries } from '../../db/schema';

/** Refusals of input (a typo, a name taken, a missing row): the form said why; nobody was kept out. */
const INPUT_REFUSALS = ['BAD_REQUEST', 'CONFLICT', 'NOT_FOUND', 'PRECONDITION_FAILED'];

/**
 * The trail's size, the changes made since a moment, and the refusals that kept someone out
 * (sign-in, permission, rate limits, CSRF) since then: input a form sent back is not counted.
 */
export function auditCounts(db: Db, since: Date) {
  const n = (where?: SQL) => db.select({ n: count() }).from(auditEntries).where(where).get()?.n ?? 0;
  const after = gte(auditEntries.at, since);
  const keptOut = and(...INPUT_REFUSALS.map((code) => notLike(auditEntries.detail, `${code}:%`)));
  return {
    entries: n(),
    succeeded: n(and(after, eq(auditEntries.outcome, 'success'))),
    refused: n(and(after, eq(auditEntries.outcome, 'refused'), or(isNull(auditEntries.detail), keptOut))),
  };
}

export function filters(input: AuditListInput, { hideStarted = false } = {}): SQL | undefined {
  const conds: SQL[] = [];
  if (input.actor) conds.push(eq(auditEntries.actor, input.actor));
  if (input.procedure) conds.push(like(auditEntries.procedure, `${input.procedure.replace(/[%_]/g, '')}%`));
  if (input.outcome) conds.push(eq(auditEntries.outcome, input.outcome));
  // In the list a `started` entry is shown only when asked for: its outcome entry tells the story.
  else if (hideStarted) conds.push(ne(auditEntries.outcome, 'started'));
  if (input.from) conds.push(gte(auditEntries.at, input.from));
  if (input.to) conds.push(lte(auditEntries.at, input.to));
  if (input.peer) {
    const { id, name } = input.peer;
    conds.push(like(auditEntries.procedure, 'peers.%'));
    conds.push(
      or(
        sql`coalesce(json_extract(${auditEntries.input}, '$.id'), json_extract(${auditEntries.input}, '$.peerId')) = ${id}`,
        and(eq(auditEntries.procedure, 'peers.create'), sql`json_extract(${auditEntries.input}, '$.name') = ${name}`),
      )!,
    );
  }
  return conds.length ? and(...conds) : undefined;
}

/**
 * A page of the trail, newest first, with the names of the peers its entries act on
 * (`peerNames` asks the peers domain; a deleted peer is not named).
 */
export function listAudit(
  db: Db,
  input: AuditListInput,
  peerNames: (ids: number[]) => Record<number, string> = () => ({}),
) {
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 50;
  const where = filters(input, { hideStarted: true });
  const items = db
    .select()
    .from(auditEntries)
    .where(where)
    .orderBy(desc(auditEntries.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .all();
  const total = db.select({ n: count() }).from(auditEntries).where(where).get()?.n ?? 0;
  const ids = items.flatMap((e) => {
    const id = peerIdOf(e.procedure, parseInput(e.input));
    return id === null ? [] : [id];
  });
  return { items, total, page, pageSize, peerNames: ids.length ? peerNames([...new Set(ids)]) : {} };
}

function csvCell(v: string): string {
  // A leading =,+,-,@ would run as a formula when opened in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function* auditCsv(db: Db, input: AuditListInput): Generator<string> {
  yield 'id,time,actor,role,procedure,outcome,detail,input,prev_hash,hash\r\n';
  const where = filters(input);
  let lastId = 0;
  for (;;) {
    const batch = db
      .select()
      .from(auditEntries)
      .where(where ? and(where, gt(auditEntries.id, lastId)) : gt(auditEntries.id, lastId))
      .orderBy(asc(auditEntries.id))
      .limit(1000)
      .all();
    if (batch.length === 0) return;
    for (const e of batch) {
      const row = [
        String(e.id),
        e.at.toISOString(),
        e.actor,
        e.actorRole,
        e.procedure,
        e.outcome,
        e.detail ?? '',
        e.input,
        e.prevHash,
        e.hash,
      ];
      yield row.map(csvCell).join(',') + '\r\n';
      lastId = e.id;
    }
  }
}
