import path from 'node:path';
import type { Env } from './env';

/** Where a cell keeps what it is. Read from its environment at each call: a test may point a new cell elsewhere. */
export interface CellPaths {
  /** Everything a cell is lives below this folder (`PIC_DATA_DIR`, default `./data`). */
  data(): string;
  /**
   * The data folder as the engine's host sees it, for bind mounts. Differs from data()
   * only when this server itself runs in a container (`PIC_HOST_DATA_DIR`).
   */
  hostData(): string;
  db(): string;
  secrets(): string;
  logs(): string;
  /** A component's config folder: the cell renders into it. */
  config(component: string): string;
  /** A daemon's own writable folder (Caddy's admin socket and ACME state): the cell renders nothing here. */
  state(component: string): string;
  backups(): string;
}

export function cellPaths(env: Env): CellPaths {
  // The data directory is chosen at run time, never part of the build's file trace.
  const data = () => path.resolve(/*turbopackIgnore: true*/ env.PIC_DATA_DIR || path.join(process.cwd(), 'data'));
  return {
    data,
    hostData: () => path.resolve(/*turbopackIgnore: true*/ env.PIC_HOST_DATA_DIR || data()),
    db: () => path.join(data(), 'cell.db'),
    secrets: () => path.join(data(), 'secrets'),
    logs: () => path.join(data(), 'logs'),
    config: (component) => path.join(data(), 'config', component),
    state: (component) => path.join(data(), 'state', component),
    backups: () => path.join(data(), 'backups'),
  };
}

/** The process's own paths (its database, secrets and logs): the environment it was started with. */
export const dataPaths = cellPaths(process.env);
export const dataDir = dataPaths.data;
