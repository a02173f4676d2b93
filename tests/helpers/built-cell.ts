/**
 * The built server (`next start`, what `npm start` serves) on a data directory of the test's,
 * on loopback, with no engine. Its log lines (stdout) are kept, so a test can act the moment
 * one appears; it stops with SIGTERM, or dies with SIGKILL, server and children together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface BuiltCell {
  base: string;
  /** Every log line so far, parsed. */
  lines(): { msg?: string; [field: string]: unknown }[];
  /** Calls `see` with each line from now on (and those already seen), until it returns true. */
  watch(see: (line: { msg?: string; [field: string]: unknown }) => boolean): void;
  /** SIGTERM, and waits for the process to end. */
  stop(): Promise<void>;
  /** kill -9 of the server's whole process group; resolves once it is gone. */
  kill(): Promise<void>;
}

/** Whether there is a build to start: a loud skip on a developer's machine, a failure in CI. */
export function requireBuild(suite: string): boolean {
  if (fs.existsSync('.next/BUILD_ID')) return true;
  const why = `${suite} starts the built server: run \`npm run build\` first`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`!!! SKIPPING ${why} !!!`);
  return false;
}

export async function startBuiltCell(dataDir: string, port: number, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-H', '127.0.0.1', '-p', String(port)],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        PIC_DATA_DIR: dataDir,
        PIC_LOG_STDOUT: '1',
        PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  type Line = ReturnType<BuiltCell['lines']>[number];
  const lines: Line[] = [];
  let watchers: ((line: Line) => boolean)[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout!.on('data', (c: Buffer) => {
    const text = partial + c.toString();
    const whole = text.split('\n');
    partial = whole.pop()!;
    for (const raw of whole) {
      if (!raw.startsWith('{')) continue;
      const line = JSON.parse(raw) as Line;
      lines.push(line);
      watchers = watchers.filter((see) => !see(line));
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const base = `http://127.0.0.1:${port}`;
  // Started: the boot's last line is out (what it did before is in the lines), and it answers.
  const booted = new Promise<void>((resolve) => {
    const see = (l: Line) => (l.msg === 'cell started' ? (resolve(), true) : false);
    if (!lines.some(see)) watchers.push(see);
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 600) {
      group('SIGKILL');
      throw new Error(`the built cell did not start: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await booted;
  const cell: BuiltCell = {
    base,
    lines: () => lines,
    watch(see) {
      if (!lines.some(see)) watchers.push(see);
    },
    async stop() {
      group('SIGTERM');
      await exited;
    },
    async kill() {
      group('SIGKILL');
      await exited;
    },
  };
  return cell;
}
