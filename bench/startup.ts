/**
 * Cold start and memory of the built server (run `npm run build` first):
 *   npm run bench:startup
 * Prints: time from spawn to the first healthy /api/health, resident memory at idle,
 * and after 1,000 mixed requests (health, CSRF, pages, tRPC queries as admin).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PORT = Number(process.env.BENCH_PORT || 3390);
const BASE = `http://127.0.0.1:${PORT}`;

function rssMb(pid: number): number {
  // The server may fork workers; sum the tree.
  const children = (p: number): number[] => {
    try {
      const kids = fs
        .readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
      return [p, ...kids.flatMap(children)];
    } catch {
      return [p];
    }
  };
  let kb = 0;
  for (const p of children(pid)) {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
    kb += m ? Number(m[1]) : 0;
  }
  return kb / 1024;
}

async function waitHealthy(deadline: number): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`${BASE}/api/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not become healthy in 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main() {
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('no build: run `npm run build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-'));
  const t0 = performance.now();
  const server = spawn('./node_modules/.bin/next', ['start', '-p', String(PORT)], {
    env: { ...process.env, PIC_DATA_DIR: dataDir, PIC_LOG_STDOUT: '0', NODE_ENV: 'production' },
    stdio: 'ignore',
  });
  try {
    await waitHealthy(Date.now() + 30_000);
    const coldMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMb(server.pid!);

    const setup = await fetch(`${BASE}/api/trpc/setup.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        json: {
          cellName: 'bench',
          domainMode: 'lan',
          timezone: 'UTC',
          adminUsername: 'admin',
          adminPassword: 'benchmark password',
          services: ['dns'],
        },
      }),
    });
    if (!setup.ok) throw new Error(`setup failed: ${setup.status}`);
    const jar: string[] = [];
    const remember = (r: Response) => r.headers.getSetCookie().forEach((c) => jar.push(c.split(';')[0]!));
    const csrf = await fetch(`${BASE}/api/auth/csrf`);
    remember(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const login = await fetch(`${BASE}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; ') },
      body: new URLSearchParams({ username: 'admin', password: 'benchmark password', csrfToken, json: 'true' }),
      redirect: 'manual',
    });
    remember(login);
    const cookie = jar.join('; ');

    const mix = [
      '/api/health',
      '/api/csrf',
      '/login',
      '/api/trpc/settings.get',
      '/api/trpc/dashboard.summary',
      '/dashboard',
      '/api/trpc/audit.list?input=' + encodeURIComponent('{"json":{}}'),
    ];
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = performance.now();
      const r = await fetch(BASE + mix[i % mix.length], { headers: { cookie }, redirect: 'manual' });
      await r.arrayBuffer();
      if (r.status >= 500) throw new Error(`${mix[i % mix.length]} answered ${r.status}`);
      times.push(performance.now() - s);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssMb(server.pid!);
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.floor((times.length - 1) * p)]!.toFixed(1);
    console.log(`cold start to healthy /api/health: ${coldMs.toFixed(0)} ms (target < 1000 ms)`);
    console.log(`resident memory at idle:           ${idle.toFixed(1)} MB (target < 130 MB)`);
    console.log(`resident memory after 1,000 mixed: ${after.toFixed(1)} MB`);
    console.log(`request latency over the mix:      p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`);
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
