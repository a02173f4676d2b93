import { z } from 'zod';
import { logTarget, searchLogsInput, setLevelInput, tailLogsInput } from '@/lib/schemas/logs';
import { clearLogLevel, listLogLevels, searchLogs, setLogLevel, tailFilter } from '../managers/logs';
import { onLogLine } from '../runtime/logger';
import { adminProcedure, router } from '../trpc';

export const logsRouter = router({
  search: adminProcedure.input(searchLogsInput).query(({ ctx, input }) => searchLogs(ctx.db, input)),
  levels: adminProcedure.query(({ ctx }) => listLogLevels(ctx.db)),
  setLevel: adminProcedure.input(setLevelInput).mutation(({ ctx, input }) => setLogLevel(ctx.db, input)),
  clearLevel: adminProcedure
    .input(z.strictObject({ target: logTarget }))
    .mutation(({ ctx, input }) => clearLogLevel(ctx.db, input.target)),
  /** Each new line of the cell's own logs that passes the filters, as it is written (server-sent events). */
  tail: adminProcedure.input(tailLogsInput).subscription(async function* ({ input, signal }) {
    const pass = tailFilter(input);
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    const off = onLogLine((raw) => {
      if (queue.length < 1000) queue.push(raw);
      wake?.();
    });
    try {
      while (!signal?.aborted) {
        const raw = queue.shift();
        if (raw === undefined) {
          // One listener at a time on the request's signal: a tail open for hours waits many times.
          await new Promise<void>((resolve) => {
            const done = () => {
              signal?.removeEventListener('abort', done);
              resolve();
            };
            wake = done;
            signal?.addEventListener('abort', done, { once: true });
          });
          wake = null;
          continue;
        }
        const line = pass(raw);
        if (line) yield line;
      }
    } finally {
      off();
    }
  }),
});
