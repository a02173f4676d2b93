/**
 * What a cell runs on, built once by whoever starts it (the server at boot, a test, a
 * bench, the CLI) and handed in with its database: the environment it was started with,
 * where its files live, its container engine, where its Caddy listens for config, where
 * the tunnel is applied, and its clock. Managers ask `runtimeOf(db)` for it (a transaction
 * shares its database's runtime) and read no `process.env` themselves; a test binds a
 * runtime of its own to its database instead of overriding anything module-wide.
 */
import path from 'node:path';
import type { DbOrTx } from '../db';
import { sessionOf } from '../db/prepared';
import { detectDeployment, type Deployment } from './deployment';
import { engineOn, type Engine } from './docker';
import type { Env } from './env';
import { cellPaths, type CellPaths } from './paths';
import { processWide } from './process-wide';
import type { WgBackend } from './wireguard-backend';

export type { Env } from './env';

/** Where Caddy is told its config, and where it finds the files the cell rendered for it. */
export interface CaddyPlaces {
  /** Its admin API's Unix socket, in Caddy's own state folder. */
  adminSocket(): string;
  /** The config folder as Caddy sees it (`PIC_CADDY_CONFIG_ROOT`, default `/etc/caddy`). */
  configRoot: string;
  /** Caddy's own writable folder as it sees it (`PIC_CADDY_STATE_ROOT`, default `/data`). */
  stateRoot: string;
}

export interface Runtime {
  /** `PIC_*` settings: the cell network, DNS address, published address, image overrides, provider URLs. */
  env: Env;
  paths: CellPaths;
  engine: Engine;
  caddy: CaddyPlaces;
  /** Where the tunnel is applied; null: where the environment says (`cell-wireguard`, or `PIC_WG_INTERFACE`). */
  wireguard: WgBackend | null;
  clock: () => Date;
  /** On a host, or in a container of the engine it manages (which then joins `cell-network`). */
  deployment: Deployment;
}

/** The server's own runtime reads the process environment as it is. */
export function createRuntime(
  env: Env = process.env,
  parts: Partial<Pick<Runtime, 'wireguard' | 'clock' | 'engine' | 'deployment'>> = {},
): Runtime {
  const paths = cellPaths(env);
  return {
    env,
    paths,
    engine: parts.engine ?? engineOn(env),
    caddy: {
      adminSocket: () => path.join(paths.state('caddy'), 'admin.sock'),
      configRoot: env.PIC_CADDY_CONFIG_ROOT || '/etc/caddy',
      stateRoot: env.PIC_CADDY_STATE_ROOT || '/data',
    },
    wireguard: parts.wireguard ?? null,
    clock: parts.clock ?? (() => new Date()),
    deployment: parts.deployment ?? detectDeployment(env),
  };
}

const bound = processWide('runtime.bound', () => new WeakMap<object, Runtime>());

export function bindRuntime(db: DbOrTx, runtime: Runtime): Runtime {
  bound.set(sessionOf(db), runtime);
  return runtime;
}

export function runtimeOf(db: DbOrTx): Runtime {
  return bound.get(sessionOf(db)) ?? bindRuntime(db, createRuntime());
}
