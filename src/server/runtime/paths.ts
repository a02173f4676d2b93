import path from 'node:path';

/** Everything a cell is lives below this folder (`PIC_DATA_DIR`, default `./data`). */
export function dataDir(): string {
  // The data directory is chosen at run time, never part of the build's file trace.
  return path.resolve(/*turbopackIgnore: true*/ process.env.PIC_DATA_DIR || path.join(process.cwd(), 'data'));
}

export const dataPaths = {
  db: () => path.join(dataDir(), 'cell.db'),
  secrets: () => path.join(dataDir(), 'secrets'),
  logs: () => path.join(dataDir(), 'logs'),
  config: (component: string) => path.join(dataDir(), 'config', component),
  /** A daemon's own writable folder (Caddy's admin socket and ACME state): the cell renders nothing here. */
  state: (component: string) => path.join(dataDir(), 'state', component),
  backups: () => path.join(dataDir(), 'backups'),
};

/**
 * The data directory as the engine's host sees it, for bind mounts. Differs from
 * dataDir() only when this server itself runs in a container (`PIC_HOST_DATA_DIR`).
 */
export function hostDataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.PIC_HOST_DATA_DIR || dataDir());
}
