/** Caddy renderer inputs shared by the golden tests and `caddy validate`, and Debian's Caddy run on the host. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CaddyModel } from '@/server/managers/routes/render';
import { goldenInputs } from './golden';

export const CADDY = goldenInputs<CaddyModel>('caddy');

/**
 * Debian's Caddy on the host, running the config the cell in `dir` rendered: its own files
 * (ACME state, admin socket per that config) stay under `dir`, its output goes to `dir/caddy.log`.
 */
export function runHostCaddy(dir: string): ChildProcess {
  const log = fs.openSync(path.join(dir, 'caddy.log'), 'a');
  return spawn('caddy', ['run', '--config', path.join(dir, 'config', 'caddy', 'caddy.json')], {
    stdio: ['ignore', log, log],
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
}
