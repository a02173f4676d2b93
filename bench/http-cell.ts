/**
 * A built cell (`next start`) in a network namespace of its own, with a real wireguard-go
 * interface beside it, reached over a veth pair; and a signed-in HTTP client for it, as a
 * script or a browser would talk to it (session and CSRF cookies, Origin, superjson).
 * Needs root and `npm run build` first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CellClient } from '../tests/helpers/cell-client';

export { CellClient };

/** Addresses of our own for the veth pair: a /30 well away from the host's networks. */
const HOST_SIDE = '10.213.0.1';
const CELL_SIDE = '10.213.0.2';
const PORT = 3199;

export interface HttpCell {
  base: string;
  iface: { netns: string; name: string };
  /** Resident memory of the server's processes, in MB. */
  rssMb(): number;
  stop(): void;
}

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

export async function startHttpCell(tag: string): Promise<HttpCell> {
  if (process.getuid?.() !== 0) throw new Error('the HTTP bench needs root (network namespace and wireguard-go)');
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('build the server first: npm run build');
  const netns = `pic-bh-${tag}`;
  const iface = `wgh${tag}`.slice(0, 15);
  const veth = `pbh${tag}`.slice(0, 12);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-http-'));
  sh('ip', 'netns', 'add', netns);
  sh('ip', 'link', 'add', `${veth}a`, 'type', 'veth', 'peer', 'name', `${veth}b`);
  sh('ip', 'link', 'set', `${veth}b`, 'netns', netns);
  sh('ip', 'addr', 'add', `${HOST_SIDE}/30`, 'dev', `${veth}a`);
  sh('ip', 'link', 'set', `${veth}a`, 'up');
  sh('ip', '-n', netns, 'addr', 'add', `${CELL_SIDE}/30`, 'dev', `${veth}b`);
  sh('ip', '-n', netns, 'link', 'set', `${veth}b`, 'up');
  sh('ip', '-n', netns, 'link', 'set', 'lo', 'up');
  execFileSync('ip', ['netns', 'exec', netns, 'wireguard-go', iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
  });
  // PIC_BENCH_PROFILE=<dir>: the server writes a CPU profile there when it stops.
  const profile = process.env.PIC_BENCH_PROFILE;
  const next = profile
    ? [process.execPath, '--cpu-prof', `--cpu-prof-dir=${profile}`, 'node_modules/next/dist/bin/next']
    : ['./node_modules/.bin/next'];
  const server: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', netns, ...next, 'start', '-H', CELL_SIDE, '-p', String(PORT)],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PIC_DATA_DIR: dir,
        PIC_LOG_STDOUT: '0',
        PIC_WG_BACKEND: 'local',
        PIC_WG_INTERFACE: iface,
        PIC_DOCKER_SOCKET: '/nonexistent/pic-bench/docker.sock',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://${CELL_SIDE}:${PORT}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || server.exitCode !== null) throw new Error('the cell did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pids = () => execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return {
    base,
    iface: { netns, name: iface },
    rssMb() {
      let kb = 0;
      for (const pid of pids()) {
        try {
          const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
          if (!/^Name:\s*(node|next-server)/m.test(status)) continue;
          kb += Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0);
        } catch {
          // gone
        }
      }
      return kb / 1024;
    },
    stop() {
      // SIGINT lets a profiling server write its profile.
      for (const pid of pids()) process.kill(Number(pid), 'SIGINT');
      for (let i = 0; i < 50 && pids().length; i++) execFileSync('sleep', ['0.1']);
      for (const pid of pids()) process.kill(Number(pid));
      sh('ip', 'netns', 'del', netns);
      try {
        sh('ip', 'link', 'del', `${veth}a`);
      } catch {
        // went with the namespace
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const BENCH_ADMIN = { username: 'admin', password: 'bench password 123' };

/** A fresh cell set up over HTTP, with an admin signed in and a /16 tunnel (room for 5,000 peers). */
export async function setUpOverHttp(base: string): Promise<CellClient> {
  const anon = new CellClient(base);
  await anon.fetch('/api/csrf');
  await anon.mutate('setup.complete', {
    cellName: 'bench',
    domainMode: 'lan',
    timezone: 'UTC',
    adminUsername: BENCH_ADMIN.username,
    adminPassword: BENCH_ADMIN.password,
    services: ['wireguard'],
  });
  const admin = new CellClient(base);
  await admin.signIn(BENCH_ADMIN.username, BENCH_ADMIN.password);
  await admin.mutate('wireguard.update', { subnet: '10.0.0.0/16', confirmReaddress: true });
  // The certificate authority is made in the background after setup (seconds of RSA work on
  // the server's thread): the figures are of the cell once it is there.
  await admin.query('vault.root');
  return admin;
}

export const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN;
export const ms = (x: number) => `${x.toFixed(2)} ms`;
