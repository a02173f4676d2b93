/**
 * A real Docker Engine for the suites: Debian's dockerd under a temp dir with its own
 * data root, exec root and socket, and stand-in images imported from a busybox rootfs
 * (no registry is reachable). The stand-in logs its start, traps SIGUSR1 (writes
 * /tmp/sigusr1 and logs it) and sleeps until told to stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';

export const STANDIN_SCRIPT = `#!/bin/sh
echo "standin $(hostname) started: $*"
trap 'date +%s > /tmp/sigusr1; echo "got SIGUSR1"' USR1
trap 'echo "stopping"; exit 0' TERM INT
while true; do sleep 1 & wait $!; done
`;

export const ENGINE_TOOLS = ['dockerd', 'containerd', 'runc', 'busybox', 'tar', 'docker-registry'];
export const ENGINE_INSTALL = 'apt-get install docker.io busybox-static docker-registry';

export interface TestEngine {
  dir: string;
  socket: string;
  docker: Docker;
  /** Stops dockerd (SIGTERM) but keeps its data, to test an engine that went away. */
  stop(): Promise<void>;
  /** Stops dockerd and starts it again on the same data, as a host's reboot or an engine upgrade does. */
  restart(): Promise<void>;
  /** Removes every container and network it holds, stops it and deletes its folder. */
  destroy(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Starts dockerd with everything under `dir` (kept short: socket paths are limited to 107 bytes). */
export async function startEngine(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pe-'))): Promise<TestEngine> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'docker.sock');
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const args = [
    `--data-root=${path.join(dir, 'data')}`,
    `--exec-root=${path.join(dir, 'x')}`,
    `--pidfile=${path.join(dir, 'docker.pid')}`,
    `--host=unix://${socket}`,
    // Its own containerd; no default bridge and no host firewall changes, so engines never clash.
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--storage-driver=overlay2',
  ];
  const docker = new Docker({ socketPath: socket });
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const started = spawn('dockerd', args, { stdio: ['ignore', log, log], detached: false });
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    try {
      await waitFor(
        async () => fs.existsSync(socket) && (await docker.ping()) !== undefined,
        30_000,
        `dockerd at ${socket}`,
      );
    } catch (err) {
      started.kill('SIGKILL');
      throw new Error(
        `${(err as Error).message}\n${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`,
      );
    }
  };
  await launch();
  // Bridges outlive dockerd; remember them while it still answers, to delete them at the end.
  const bridges = new Set<string>();
  const noteBridges = async () => {
    for (const n of await docker.listNetworks().catch(() => []))
      if (n.Driver === 'bridge') bridges.add(`br-${n.Id.slice(0, 12)}`);
  };
  const stop = async () => {
    const running = child as ChildProcess | null;
    if (!running) return;
    await noteBridges();
    running.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (running.exitCode === null) running.kill('SIGKILL');
    child = null;
  };
  return {
    dir,
    socket,
    docker,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async destroy() {
      if (child) {
        for (const c of await docker.listContainers({ all: true }).catch(() => []))
          await docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined);
        await docker.pruneNetworks().catch(() => undefined);
      }
      await stop();
      // Overlay mounts are gone once dockerd stops cleanly; anything left is unmounted first.
      try {
        execFileSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`], {
          stdio: 'ignore',
        });
      } catch {
        /* nothing mounted */
      }
      for (const bridge of bridges) {
        try {
          execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
        } catch {
          /* removed with its network */
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Imports the busybox stand-in as each tag given (one image, several names). */
export async function importStandin(docker: Docker, tags: string[]): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-rootfs-'));
  try {
    for (const d of ['bin', 'tmp', 'etc', 'config', 'etc/caddy', 'etc/coredns', 'etc/chrony'])
      fs.mkdirSync(path.join(root, d), { recursive: true });
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    fs.copyFileSync(busybox, path.join(root, 'bin/busybox'));
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
    for (const applet of [
      'sh',
      'sleep',
      'echo',
      'cat',
      'date',
      'hostname',
      'ls',
      'touch',
      'kill',
      'false',
      'true',
      'printf',
    ]) {
      fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    }
    fs.writeFileSync(path.join(root, 'standin'), STANDIN_SCRIPT, { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    const [first, ...rest] = tags;
    const [repo, tag] = first!.split(':');
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = await docker.importImage(
      tar.stdout as unknown as string,
      { repo, tag, changes: ['ENTRYPOINT ["/standin"]', 'ENV PATH=/bin'] } as object,
    );
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    for (const t of rest) {
      const [r, g] = t.split(':');
      await docker.getImage(first!).tag({ repo: r, tag: g });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The stand-in tags the suites use, one per component, and the env that points the cell at them. */
export const STANDIN_IMAGES = {
  caddy: 'pic-standin/caddy:1',
  dns: 'pic-standin/dns:1',
  ntp: 'pic-standin/ntp:1',
  wireguard: 'pic-standin/wireguard:1',
  dhcp: 'pic-standin/dhcp:1',
} as const;

export function standinEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(STANDIN_IMAGES).map(([c, image]) => [`PIC_IMAGE_${c.toUpperCase()}`, image]),
  );
}

/** A registry on loopback (Debian's docker-registry), so a pull can succeed with real progress. */
export async function startRegistry(port: number): Promise<{ address: string; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-registry-'));
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`http://${address}/v2/`)).ok, 15_000, `registry at ${address}`);
  return {
    address,
    stop() {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pushes a local image to a registry; rejects with the engine's error. */
export async function push(docker: Docker, image: string): Promise<void> {
  // The engine wants an auth header even for a registry that needs none.
  const stream = await docker.getImage(image).push({ authconfig: { serveraddress: image.split('/')[0] } });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err?.message ?? out.find((e) => e.error)?.error;
      return failed ? reject(new Error(failed)) : resolve();
    }),
  );
}
