import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/**
 * Real-component suites need root and some programs. Missing: a loud skip on a
 * developer's machine, a failure in CI.
 */
export function missingTools(tools: string[]): string | null {
  if (process.getuid?.() !== 0) return 'root';
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    } catch {
      return tool;
    }
  }
  return null;
}

export function requireTools(suite: string, tools: string[], install: string): boolean {
  const missing = missingTools(tools);
  if (missing && process.env.CI === 'true')
    throw new Error(`${suite} needs ${missing} (CI must not skip it): ${install}`);
  if (missing) console.warn(`!!! SKIPPING ${suite}: ${missing} is missing (${install}; run as root) !!!`);
  return missing === null;
}

/** Runs a command inside a namespace; rejects with its stderr. */
export async function inNs(ns: string, argv: string[]): Promise<string> {
  return (await execFileP('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' })).stdout;
}

/** Exit status of a command in a namespace, without throwing. */
export function statusInNs(ns: string, argv: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv]);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Stops what runs in a namespace (wireguard-go exits when its interface goes away) and deletes it; gone already is fine. */
export function removeNamespace(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean)
      .forEach((pid) => process.kill(Number(pid)));
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
  } catch {
    /* already gone */
  }
}

export interface Lab {
  cell: string;
  peer: string;
  cellIp: string;
  destroy(): void;
}

/** Two namespaces joined by a veth pair, with addresses of their own (192.168.250.0/30). */
export function makeLab(tag: string): Lab {
  const cell = `pic-${tag}-cell`;
  const peer = `pic-${tag}-peer`;
  const vethA = `v${tag}a`.slice(0, 15);
  const vethB = `v${tag}b`.slice(0, 15);
  const sh = (...argv: string[]) => execFileSync('ip', argv, { stdio: 'pipe' });
  const destroy = () => [cell, peer].forEach(removeNamespace);
  destroy();
  sh('netns', 'add', cell);
  sh('netns', 'add', peer);
  sh('link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB);
  sh('link', 'set', vethA, 'netns', cell);
  sh('link', 'set', vethB, 'netns', peer);
  for (const [ns, dev, addr] of [
    [cell, vethA, '192.168.250.1/30'],
    [peer, vethB, '192.168.250.2/30'],
  ] as const) {
    sh('-n', ns, 'link', 'set', 'lo', 'up');
    sh('-n', ns, 'addr', 'add', addr, 'dev', dev);
    sh('-n', ns, 'link', 'set', dev, 'up');
  }
  return { cell, peer, cellIp: '192.168.250.1', destroy };
}

/** Starts wireguard-go on a new interface inside a namespace. Names must be unique: control sockets are shared. */
export async function startWireguardGo(ns: string, iface: string): Promise<void> {
  await execFileP('ip', ['netns', 'exec', ns, 'wireguard-go', iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
  });
}

/** A peer's side configured from the config the cell hands out, exactly as a person would get it. */
export async function configurePeer(ns: string, iface: string, config: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-peer-'));
  const file = path.join(dir, `${iface}.conf`);
  fs.writeFileSync(file, config, { mode: 0o600 });
  const stripped = await inNs(ns, ['wg-quick', 'strip', file]);
  fs.writeFileSync(`${file}.stripped`, stripped, { mode: 0o600 });
  await inNs(ns, ['wg', 'setconf', iface, `${file}.stripped`]);
  const address = /^Address = ([^,\n]+)/m.exec(config)![1]!;
  await inNs(ns, ['ip', 'addr', 'add', address, 'dev', iface]);
  await inNs(ns, ['ip', 'link', 'set', iface, 'up']);
  for (const net of /^AllowedIPs = (.+)$/m.exec(config)![1]!.split(', '))
    await inNs(ns, ['ip', 'route', 'replace', net, 'dev', iface]);
}
