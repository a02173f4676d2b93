/**
 * An operation is a list of steps run one after another, each saved with its state as it
 * goes (the service page reads them live). When a step fails, every step done before it is
 * undone, last first, and the operation ends failed, saying which step and why.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { storeOperations } from '../../db/schema';
import { logger } from '../../runtime/logger';
import { appendAudit } from '../audit';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { runSteps, type FailAt, type OperationStep, type Step } from '../../runtime/steps';
import { saveSteps } from './state';

const log = logger.child('store');

export type { FailAt, Step } from '../../runtime/steps';

const serially = serialQueue('store.operations');
const running = processWide('store.running', () => new Map<string, Promise<void>>());
/** The instances an operation of this process is working on. */
const busy = processWide('store.busy', () => new Set<string>());

/** Whether an operation of this process is still working on the instance or is the one given. */
export const inProgress = (what: { operationId?: string; instanceId?: string }) =>
  (what.operationId !== undefined && running.has(what.operationId)) ||
  (what.instanceId !== undefined && busy.has(what.instanceId));

/** Resolves once the operation is over (tests, and a caller that waits). */
export async function operationDone(id: string): Promise<void> {
  await running.get(id);
}

/** Every running store operation finished (tests). */
export async function storeSettled(): Promise<void> {
  await Promise.all(running.values());
}

/**
 * Records an operation whose first steps (`done`) already ran in the caller, and runs the
 * rest after any operation already running. `onEnd` runs with the outcome, after the undoing.
 */
export function startOperation(
  db: Db,
  op: {
    kind: 'install' | 'update' | 'remove';
    instanceId: string;
    done: { name: string; detail: string; undo?: () => Promise<void> }[];
    steps: Step[];
    failAt?: FailAt;
    onEnd?: (ok: boolean) => Promise<void> | void;
  },
): string {
  const id = randomUUID();
  const steps: OperationStep[] = [
    ...op.done.map((s) => ({ name: s.name, state: 'done' as const, detail: s.detail })),
    ...op.steps.map((s) => ({ name: s.name, state: 'pending' as const, detail: '' })),
  ];
  db.insert(storeOperations)
    .values({
      id,
      kind: op.kind,
      instanceId: op.instanceId,
      state: 'running',
      steps,
      startedAt: runtimeOf(db).clock(),
    })
    .run();
  const all: Step[] = [...op.done.map((s) => ({ name: s.name, run: async () => s.detail, undo: s.undo })), ...op.steps];
  const end = serially(() => runOperation(db, id, all, steps, op.done.length, op.failAt, op.onEnd));
  running.set(id, end);
  busy.add(op.instanceId);
  void end.finally(() => {
    running.delete(id);
    busy.delete(op.instanceId);
  });
  return id;
}

async function runOperation(
  db: Db,
  id: string,
  all: Step[],
  steps: OperationStep[],
  first: number,
  failAt: FailAt,
  onEnd: ((ok: boolean) => Promise<void> | void) | undefined,
): Promise<void> {
  const failed = await runSteps(all, steps, {
    first,
    failAt,
    save: (s) => saveSteps(db, id, s),
    onUndoError: (step, err) => log.error('store step could not be undone', { operation: id, step, err }),
  });
  try {
    await onEnd?.(!failed);
  } catch (err) {
    log.error('store operation end failed', { operation: id, err });
  }
  const error = failed ? `${failed.step}: ${failed.error.message}` : null;
  db.update(storeOperations)
    .set({ state: failed ? 'failed' : 'succeeded', error, finishedAt: runtimeOf(db).clock() })
    .where(eq(storeOperations.id, id))
    .run();
  if (failed) log.warn('store operation failed and was undone', { operation: id, error });
  // The mutation that started it is in the trail already; how it ended goes there too.
  const op = db.select().from(storeOperations).where(eq(storeOperations.id, id)).get()!;
  appendAudit(db, {
    actor: 'system',
    actorRole: 'system',
    procedure: `store.${op.kind}`,
    input: { operationId: id, instanceId: op.instanceId },
    outcome: failed ? 'error' : 'success',
    detail: error ?? `${op.kind} of ${op.instanceId} finished`,
  });
}
