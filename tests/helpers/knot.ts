/**
 * A real authoritative server (Debian's Knot DNS) serving rendered zone files, so tests
 * can ask it with dig what a peer would get from the cell's DNS.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface Knot {
  /** Re-reads every zone file (what SIGUSR1 is to CoreDNS). */
  reload(): Promise<void>;
  stop(): void;
}

const withNs = (netns: string | undefined, argv: string[]) =>
  (netns ? ['ip', ['netns', 'exec', netns, ...argv]] : [argv[0]!, argv.slice(1)]) as [string, string[]];

/** Starts knotd on `address@port` with the given zones (origin → file); resolves once it answers. */
export async function startKnot(opts: {
  address: string;
  port: number;
  zones: Record<string, string>;
  netns?: string;
}): Promise<Knot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-knot-'));
  const conf = path.join(dir, 'knot.conf');
  const zones = Object.entries(opts.zones)
    .map(
      ([origin, file]) =>
        `  - domain: ${origin}\n    file: "${file}"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: on`,
    )
    .join('\n');
  fs.writeFileSync(
    conf,
    [
      'server:',
      `    rundir: "${dir}"`,
      `    listen: ${opts.address}@${opts.port}`,
      'database:',
      `    storage: "${dir}"`,
      'log:',
      '  - target: stderr',
      '    any: warning',
      'zone:',
      zones,
      '',
    ].join('\n'),
  );
  const [cmd, args] = withNs(opts.netns, ['knotd', '-c', conf]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const dig = withNs(opts.netns, [
    'dig',
    `@${opts.address}`,
    '-p',
    String(opts.port),
    '+time=1',
    '+tries=1',
    '+short',
    'SOA',
    Object.keys(opts.zones)[0]!,
  ]);
  for (let i = 0; ; i++) {
    try {
      if ((await execFileP(dig[0], dig[1], { encoding: 'utf8' })).stdout.trim()) break;
    } catch {
      // Not listening yet.
    }
    if (i > 50 || child.exitCode !== null) throw new Error(`knotd did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const knotc = (...a: string[]) => withNs(opts.netns, ['knotc', '-c', conf, ...a]);
  return {
    async reload() {
      const [c, a] = knotc('reload');
      await execFileP(c, a);
    },
    async stop() {
      // knotd writes its journal as it exits: the folder goes once it has.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill();
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      }
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

/** `dig +short` against a server; one answer per line. */
export function dig(server: string, port: number, name: string, type = 'A', netns?: string): string[] {
  const [cmd, args] = withNs(netns, [
    'dig',
    `@${server}`,
    '-p',
    String(port),
    '+time=2',
    '+tries=1',
    '+short',
    type,
    name,
  ]);
  return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** The response code (`NOERROR`, `NXDOMAIN`, `REFUSED`). */
export function digStatus(server: string, port: number, name: string, type = 'A'): string {
  const out = execFileSync('dig', [`@${server}`, '-p', String(port), '+time=2', '+tries=1', type, name], {
    encoding: 'utf8',
  });
  return /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NO ANSWER';
}
