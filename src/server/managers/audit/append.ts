/** Appending to the trail: each entry's hash covers the one before it. */
import { desc, sql } from 'drizzle-orm';
import type { Db } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { auditEntries } from '../../db/schema';
import { entryHash, GENESIS_HASH, redact, type AuditFields } from './chain';
import { runtimeOf } from '../../runtime/runtime';

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
export function appendAudit(db: Db, record: AuditRecord, at = runtimeOf(db).clock()) {
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
