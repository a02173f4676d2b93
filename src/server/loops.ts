import { lt } from 'drizzle-orm';
import type { Db } from './db';
import { loginFailures } from './db/schema';
import { LOGIN_WINDOW_MS } from './managers/accounts/rate-limit';
import { logger } from './runtime/logger';

const log = logger.child('loops');

export interface Loop {
  name: string;
  intervalMs: number;
  run: (db: Db) => Promise<void> | void;
}

/** Background work registered by the domains; each runs on its interval and never crashes the server. */
export const loops: Loop[] = [
  {
    name: 'prune-login-failures',
    intervalMs: 10 * 60 * 1000,
    run: (db) => {
      db.delete(loginFailures).where(lt(loginFailures.at, new Date(Date.now() - LOGIN_WINDOW_MS))).run();
    },
  },
];

const globalForLoops = globalThis as unknown as { picLoops?: AbortController };

export function startLoops(db: Db): AbortController {
  globalForLoops.picLoops?.abort();
  const controller = new AbortController();
  globalForLoops.picLoops = controller;
  for (const loop of loops) {
    let running = false;
    const tick = async () => {
      if (running || controller.signal.aborted) return;
      running = true;
      try {
        await loop.run(db);
      } catch (err) {
        log.error('loop failed', { loop: loop.name, err });
      } finally {
        running = false;
      }
    };
    const timer = setInterval(tick, loop.intervalMs);
    timer.unref();
    controller.signal.addEventListener('abort', () => clearInterval(timer));
  }
  return controller;
}
