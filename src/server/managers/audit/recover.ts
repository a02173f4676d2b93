/** After a crash: changes that started and never ended get their outcome. */
import { alias } from 'drizzle-orm/sqlite-core';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db';
import { auditEntries } from '../../db/schema';
import { appendAudit, type AuditRecord } from './append';
import { runtimeOf } from '../../runtime/runtime';

/**
 * At start: a change that got past its gates but never recorded how it ended was cut short
 * by a crash or a kill. Its outcome is recorded now, so the trail says so instead of going quiet.
 */
export function closeInterrupted(db: Db, now = runtimeOf(db).clock()): number {
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
