/**
 * A backup or a restore, recorded step by step as it runs (the Backups page reads it live).
 * One runs at a time in the process; how it ended goes to the audit trail.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { backupOperations } from '../../db/schema';
import { logger } from '../../runtime/logger';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { pendingSteps, runSteps, type FailAt, type Step } from '../../runtime/steps';
import { appendAudit } from '../audit';
import { saveSteps } from './state';

const log = logger.child('backup');
const serially = serialQueue('backup.operations');
const running = processWide('backup.running', () => new Map<string, Promise<void>>());

/** Resolves once the operation is over (tests, the CLI). */
export async function backupOperationDone(id: string): Promise<void> {
  await running.get(id);
}

export const backupBusy = () => running.size > 0;

export function startBackupOperation(
  db: Db,
  op: {
    kind: 'backup' | 'restore' | 'fetch';
    backupId: string;
    steps: Step[];
    failAt?: FailAt;
    onEnd?(ok: boolean): Promise<void> | void;
  },
): string {
  const id = randomUUID();
  const steps = pendingSteps(op.steps);
  db.insert(backupOperations)
    .values({ id, kind: op.kind, backupId: op.backupId, state: 'running', steps, startedAt: runtimeOf(db).clock() })
    .run();
  const end = serially(async () => {
    const failed = await runSteps(op.steps, steps, {
      failAt: op.failAt,
      // Each step's start is in the log as it happens (the kill -9 test stops the server there).
      beforeStep: async (step) => log.info(`${op.kind} step`, { operation: id, step }),
      save: (s) => saveSteps(db, id, s),
      onUndoError: (step, err) => log.error('backup step could not be undone', { operation: id, step, err }),
    });
    try {
      await op.onEnd?.(!failed);
    } catch (err) {
      log.error('backup operation end failed', { operation: id, err });
    }
    const error = failed ? `${failed.step}: ${failed.error.message}` : null;
    db.update(backupOperations)
      .set({ state: failed ? 'failed' : 'succeeded', error, finishedAt: runtimeOf(db).clock() })
      .where(eq(backupOperations.id, id))
      .run();
    if (failed) log.error(`${op.kind} failed`, { operation: id, error });
    appendAudit(db, {
      actor: 'system',
      actorRole: 'system',
      procedure: `backup.${op.kind}`,
      input: { operationId: id, backupId: op.backupId },
      outcome: failed ? 'error' : 'success',
      detail: error ?? `${op.kind} ${op.backupId} finished`,
    });
  });
  running.set(id, end);
  void end.finally(() => running.delete(id));
  return id;
}
