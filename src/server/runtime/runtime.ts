/**
 * What a cell runs on, built once by whoever starts it (the server at boot, a test, a
 * bench) and handed in with its database: the environment it was started with, where the
 * tunnel is applied, and its clock. Managers ask `runtimeOf(db)` for it (a transaction
 * shares its database's runtime) and read no `process.env` themselves; a test binds a
 * runtime of its own to its database instead of overriding anything module-wide.
 */
import type { DbOrTx } from '../db';
import { sessionOf } from '../db/prepared';
import { processWide } from './process-wide';
import type { WgBackend } from './wireguard-backend';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Runtime {
  /** `PIC_*` settings: the cell network, DNS address, published address, image overrides, provider URLs. */
  env: Env;
  /** Where the tunnel is applied; null: where the environment says (`cell-wireguard`, or `PIC_WG_INTERFACE`). */
  wireguard: WgBackend | null;
  clock: () => Date;
}

/** The server's own runtime reads the process environment as it is. */
export function createRuntime(env: Env = process.env, parts: Partial<Omit<Runtime, 'env'>> = {}): Runtime {
  return { env, wireguard: parts.wireguard ?? null, clock: parts.clock ?? (() => new Date()) };
}

const bound = processWide('runtime.bound', () => new WeakMap<object, Runtime>());

export function bindRuntime(db: DbOrTx, runtime: Runtime): Runtime {
  bound.set(sessionOf(db), runtime);
  return runtime;
}

export function runtimeOf(db: DbOrTx): Runtime {
  return bound.get(sessionOf(db)) ?? bindRuntime(db, createRuntime());
}
