/**
 * A list of steps run one after another, each saved with its state as it goes (a page reads
 * them live). When a step fails, every step done before it is undone, last first. The store's
 * installs and the backups and restores run on this; each keeps its steps in its own table.
 */

export interface OperationStep {
  name: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'undone' | 'skipped';
  detail: string;
  /** 0–100 while a step reports progress (an image pull, an archive written). */
  percent?: number;
  /** How long it ran, in milliseconds. */
  ms?: number;
}

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
  /**
   * A failure is shown beside the step, and the others go on: nothing is undone and the
   * operation still succeeds (a backup stands without its copy off-site).
   */
  optional?: boolean;
}

/** A step name whose run fails on purpose (tests prove the undoing with it). */
export type FailAt = string | undefined;

export const pendingSteps = (steps: readonly Step[]): OperationStep[] =>
  steps.map((s) => ({ name: s.name, state: 'pending', detail: '' }));

/**
 * Runs `all` from index `first` on, saving `steps` (one per step, in order) after each change.
 * Resolves with the step that failed, after the undoing, or null when all were done.
 */
export async function runSteps(
  all: readonly Step[],
  steps: OperationStep[],
  opts: {
    first?: number;
    failAt?: FailAt;
    /** Awaited before each step runs (a test stands there to kill the process at that point). */
    beforeStep?(name: string): Promise<void>;
    save(steps: OperationStep[]): void;
    /** An undo that failed too: the operation goes on undoing, and says so beside the step. */
    onUndoError?(step: string, err: Error): void;
  },
): Promise<{ step: string; error: Error } | null> {
  const save = () => opts.save(steps);
  let failed: { index: number; error: Error } | null = null;
  for (let i = opts.first ?? 0; i < all.length; i++) {
    const step = all[i]!;
    await opts.beforeStep?.(step.name);
    steps[i] = { ...steps[i]!, state: 'running' };
    save();
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      if (opts.failAt === step.name) throw new Error(`${step.name} failed on purpose (test hook)`);
      const detail = await step.run({
        report: (detail, percent) => {
          steps[i] = { ...steps[i]!, detail, ...(percent !== undefined ? { percent } : {}) };
          save();
        },
      });
      steps[i] = { ...steps[i]!, state: 'done', detail: detail ?? steps[i]!.detail, ms: took() };
      save();
    } catch (err) {
      steps[i] = { ...steps[i]!, state: 'failed', detail: (err as Error).message, ms: took() };
      if (step.optional) {
        save();
        continue;
      }
      failed = { index: i, error: err as Error };
      for (let j = i + 1; j < all.length; j++) steps[j] = { ...steps[j]!, state: 'skipped' };
      save();
      break;
    }
  }
  if (!failed) return null;
  for (let j = failed.index - 1; j >= 0; j--) {
    const step = all[j]!;
    if (!step.undo) continue;
    try {
      await step.undo();
      steps[j] = { ...steps[j]!, state: 'undone' };
    } catch (err) {
      steps[j] = { ...steps[j]!, state: 'failed', detail: `could not be undone: ${(err as Error).message}` };
      opts.onUndoError?.(step.name, err as Error);
    }
    save();
  }
  return { step: all[failed.index]!.name, error: failed.error };
}
