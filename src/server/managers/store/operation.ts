/**
 * An operation is a list of steps run one after another, each saved with its state as it
 * goes (the service page reads them live). When a step fails, every step done before it is
 * undone, last first, and the operation ends failed, saying which step and why.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { storeOperations, type OperationStep } from '../../db/schema';
import { logger } from '../../runtime/logger';
import { appendAudit } from '../audit';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { saveSteps } from './state';

const log = logger.child('store');

export interface StepContext {
  /** Says how the step is going (shown beside it). */
  report(detail: string, percent?: number): void;
}

export interface Step {
  name: string;
  /** Does the step; resolves with what to show beside it when done. */
  run(ctx: StepContext): Promise<string | void>;
  /** Takes the step back (only run when it finished). */
  undo?(): Promise<void>;
}

/** A step name whose run fails on purpose (tests prove the undoing with it). */
export type FailAt = string | undefined;

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
  const end = serially(() => runSteps(db, id, all, steps, op.done.length, op.failAt, op.onEnd));
  running.set(id, end);
  busy.add(op.instanceId);
  void end.finally(() => {
    running.delete(id);
    busy.delete(op.instanceId);
  });
  return id;
}

async function runSteps(
  db: Db,
  id: string,
  all: Step[],
  steps: OperationStep[],
  first: number,
  failAt: FailAt,
  onEnd: ((ok: boolean) => Promise<void> | void) | undefined,
): Promise<void> {
  const save = () => saveSteps(db, id, steps);
  let failed: { index: number; error: Error } | null = null;
  for (let i = first; i < all.length; i++) {
    const step = all[i]!;
    steps[i] = { ...steps[i]!, state: 'running' };
    save();
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      if (failAt === step.name) throw new Error(`${step.name} failed on purpose (test hook)`);
      const detail = await step.run({
        report: (detail, percent) => {
          steps[i] = { ...steps[i]!, detail, ...(percent !== undefined ? { percent } : {}) };
          save();
        },
      });
      steps[i] = { ...steps[i]!, state: 'done', detail: detail ?? steps[i]!.detail, ms: took() };
      save();
    } catch (err) {
      failed = { index: i, error: err as Error };
      steps[i] = { ...steps[i]!, state: 'failed', detail: (err as Error).message, ms: took() };
      for (let j = i + 1; j < all.length; j++) steps[j] = { ...steps[j]!, state: 'skipped' };
      save();
      break;
    }
  }
  if (failed) {
    for (let j = failed.index - 1; j >= 0; j--) {
      const step = all[j]!;
      if (!step.undo) continue;
      try {
        await step.undo();
        steps[j] = { ...steps[j]!, state: 'undone' };
      } catch (err) {
        // Undoing goes on: what could not be undone is said beside its step.
        steps[j] = { ...steps[j]!, state: 'failed', detail: `could not be undone: ${(err as Error).message}` };
        log.error('store step could not be undone', { operation: id, step: step.name, err });
      }
      save();
    }
  }
  try {
    await onEnd?.(!failed);
  } catch (err) {
    log.error('store operation end failed', { operation: id, err });
  }
  const error = failed ? `${all[failed.index]!.name}: ${failed.error.message}` : null;
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
