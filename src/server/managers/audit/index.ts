import { and, asc, count, desc, eq, gt, gte, isNull, like, lte, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { AuditListInput } from '@/lib/schemas/audit';
import type { Db } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { auditEntries } from '../../db/schema';
import { entryHash, GENESIS_HASH, redact, type AuditFields } from './chain';

export interface AuditRecord {
  actor: string;
  actorRole: 'admin' | 'peer' | 'setup' | 'system' | 'anonymous';
  procedure: string;
  input?: unknown;
  outcome: AuditFields['outcome'];
  detail?: string | null;
  ref?: number | null;
}

/** Appends one entry; the read of the last hash and the insert are one transaction. */
export function appendAudit(db: Db, record: AuditRecord, at = new Date()) {
  const fields: AuditFields = {
    at,
    actor: record.actor,
    actorRole: record.actorRole,
    procedure: record.procedure,
    input: JSON.stringify(redact(record.input ?? null)) ?? 'null',
    outcome: record.outcome,
    detail: record.detail ?? null,
    ref: record.ref ?? null,
  };
  return db.transaction(
    (tx) => {
      const prevHash = lastHash(tx).get()?.hash ?? GENESIS_HASH;
      return insertEntry(tx).get({ ...fields, prevHash, hash: entryHash(prevHash, fields) });
    },
    { behavior: 'immediate' },
  );
}

const lastHash = preparedQuery((db) =>
  db.select({ hash: auditEntries.hash }).from(auditEntries).orderBy(desc(auditEntries.id)).limit(1).prepare(),
);

/** Every column but the id, bound by name. */
const insertEntry = preparedQuery((db) => {
  const p = (name: keyof AuditFields | 'prevHash' | 'hash') => sql.placeholder(name);
  return db
    .insert(auditEntries)
    .values({
      at: p('at'),
      actor: p('actor'),
      actorRole: p('actorRole'),
      procedure: p('procedure'),
      input: p('input'),
      outcome: p('outcome'),
      detail: p('detail'),
      ref: p('ref'),
      prevHash: p('prevHash'),
      hash: p('hash'),
    })
    .returning()
    .prepare();
});

/** The trail's size, and the changes made and refused since a moment. */
export function auditCounts(db: Db, since: Date) {
  const n = (where?: SQL) => db.select({ n: count() }).from(auditEntries).where(where).get()?.n ?? 0;
  const after = gte(auditEntries.at, since);
  return {
    entries: n(),
    succeeded: n(and(after, eq(auditEntries.outcome, 'success'))),
    refused: n(and(after, eq(auditEntries.outcome, 'refused'))),
  };
}

function filters(input: AuditListInput, { hideStarted = false } = {}): SQL | undefined {
  const conds: SQL[] = [];
  if (input.actor) conds.push(eq(auditEntries.actor, input.actor));
  if (input.procedure) conds.push(like(auditEntries.procedure, `${input.procedure.replace(/[%_]/g, '')}%`));
  if (input.outcome) conds.push(eq(auditEntries.outcome, input.outcome));
  // In the list a `started` entry is shown only when asked for: its outcome entry tells the story.
  else if (hideStarted) conds.push(ne(auditEntries.outcome, 'started'));
  if (input.from) conds.push(gte(auditEntries.at, input.from));
  if (input.to) conds.push(lte(auditEntries.at, input.to));
  return conds.length ? and(...conds) : undefined;
}

export function listAudit(db: Db, input: AuditListInput) {
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
  return { items, total, page, pageSize };
}

/**
 * At start: a change that got past its gates but never recorded how it ended was cut short
 * by a crash or a kill. Its outcome is recorded now, so the trail says so instead of going quiet.
 */
export function closeInterrupted(db: Db, now = new Date()): number {
  const closer = alias(auditEntries, 'closer');
  const open = db
    .select({
      id: auditEntries.id,
      actor: auditEntries.actor,
      actorRole: auditEntries.actorRole,
      procedure: auditEntries.procedure,
    })
    .from(auditEntries)
    .leftJoin(closer, eq(closer.ref, auditEntries.id))
    .where(and(eq(auditEntries.outcome, 'started'), isNull(closer.id)))
    .orderBy(asc(auditEntries.id))
    .all();
  for (const e of open) {
    appendAudit(
      db,
      {
        actor: e.actor,
        actorRole: e.actorRole as AuditRecord['actorRole'],
        procedure: e.procedure,
        outcome: 'error',
        detail: 'interrupted: the server stopped before this change finished; what it had stored was kept',
        ref: e.id,
      },
      now,
    );
  }
  return open.length;
}

export type AuditVerifyResult =
  { ok: true; checked: number } | { ok: false; checked: number; firstBadId: number; reason: string };

/** Walks the chain in id order; reports the first entry whose hash or link does not hold. */
export function verifyAudit(db: Db): AuditVerifyResult {
  let prevHash = GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const batch = db
      .select()
      .from(auditEntries)
      .where(gt(auditEntries.id, lastId))
      .orderBy(asc(auditEntries.id))
      .limit(1000)
      .all();
    if (batch.length === 0) return { ok: true, checked };
    for (const e of batch) {
      if (e.prevHash !== prevHash) {
        return {
          ok: false,
          checked,
          firstBadId: e.id,
          reason: 'link to the previous entry is broken (an entry was removed or reordered)',
        };
      }
      if (entryHash(prevHash, e) !== e.hash) {
        return {
          ok: false,
          checked,
          firstBadId: e.id,
          reason: 'content does not match its hash (the entry was edited)',
        };
      }
      prevHash = e.hash;
      lastId = e.id;
      checked++;
    }
  }
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
