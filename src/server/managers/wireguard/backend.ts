/**
 * Where the server config is applied: inside the `cell-wireguard` container
 * (production) or on a named local interface (host installs and the tunnel tests).
 * Commands are argument arrays; keys travel on stdin, never in argv.
 */
import { spawn } from 'node:child_process';
import { EngineUnavailableError, type Engine } from '../../runtime/docker';
import { ExecChannel, containerShell, hostShell } from '../../runtime/exec-channel';
import { hasUapi, uapiRemovePeer, uapiSetPeer, uapiSetPeers } from './uapi';
import type { Env } from '../../runtime/runtime';
import {
  BackendUnavailableError,
  type PeerBatch,
  type PeerSpec,
  type Runner,
  type WgBackend,
} from '../../runtime/wireguard-backend';

// What the appliers ask of a backend, and its error, are this module's API too.
export * from '../../runtime/wireguard-backend';

/** `wg set` for one peer; the preshared key is read from a file (or /dev/stdin), never given on the command line. */
const setPeerArgv = (iface: string, p: PeerSpec, pskFile: string) => [
  'wg',
  'set',
  iface,
  'peer',
  p.publicKey,
  'preshared-key',
  pskFile,
  'allowed-ips',
  p.allowedIps.join(','),
];

/** Preshared keys one `wg set` reads, each on a descriptor of its own (3 to 9). */
const KEYS_PER_COMMAND = 7;

/**
 * A batch as few `wg set` commands as its preshared keys allow: removals, then each peer
 * whole, its key read from `/dev/fd/N` (a here-document), never from the command line.
 */
export function setPeersCommands(iface: string, batch: PeerBatch): { argv: string[]; fds: string[] }[] {
  const commands: { argv: string[]; fds: string[] }[] = [];
  let argv = ['wg', 'set', iface];
  let fds: string[] = [];
  const flush = () => {
    if (argv.length > 3) commands.push({ argv, fds });
    argv = ['wg', 'set', iface];
    fds = [];
  };
  for (const key of batch.remove) argv.push('peer', key, 'remove');
  for (const p of batch.set) {
    if (p.presharedKey && fds.length === KEYS_PER_COMMAND) flush();
    if (p.presharedKey) fds.push(p.presharedKey);
    const keyFile = p.presharedKey ? `/dev/fd/${2 + fds.length}` : '/dev/null';
    argv.push('peer', p.publicKey, 'preshared-key', keyFile, 'allowed-ips', p.allowedIps.join(','));
  }
  flush();
  return commands;
}

/** Runs a command in its own process; resolves with its outcome instead of failing on a non-zero exit. */
export function attempt(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new BackendUnavailableError(`${cmd} is not installed`) : e),
    );
    child.on('close', (code) => resolve({ ok: code === 0, out, err }));
    // A command that exits without reading its input must not crash the server with EPIPE.
    child.stdin?.on('error', () => undefined).end(input);
  });
}

/** Commands through a long-lived shell, as a runner: a shell that cannot be had leaves the change pending. */
function channelRunner(channel: ExecChannel): Runner {
  return async (argv, input, fds) => {
    try {
      const r = await channel.run(argv, input, fds);
      return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      if (e instanceof EngineUnavailableError) throw new BackendUnavailableError(e.message);
      throw e;
    }
  };
}

async function run(runner: Runner, argv: string[], input?: string, fds?: string[]): Promise<string> {
  const [cmd, ...args] = argv;
  const { ok, out, err } = await runner(argv, input, fds);
  if (ok) return out;
  const message = `${cmd} ${args[0] ?? ''} failed: ${err.trim() || 'non-zero exit'}`;
  // A missing interface means nothing to apply to yet: the change stays pending.
  throw /No such device|Unable to access interface/.test(err)
    ? new BackendUnavailableError(message)
    : new Error(message);
}

/**
 * Commands on a local interface; with `netns`, inside that network namespace, for hosts that
 * keep the tunnel in its own namespace. They go through one long-lived shell there (a spawn
 * per command costs the server milliseconds of its thread); the preshared key as a
 * here-document. A userspace interface (wireguard-go) takes single-peer changes through its
 * control socket.
 */
export function localBackend(iface: string, { netns }: { netns?: string } = {}): WgBackend {
  const where = netns ? `network namespace ${netns}` : 'the host';
  const runner = channelRunner(
    new ExecChannel(hostShell(netns ? ['ip', 'netns', 'exec', netns, 'sh'] : ['sh'], where)),
  );
  return {
    description: `local interface ${iface}${netns ? ` in ${netns}` : ''}`,
    sync: async ({ file }) => void (await run(runner, ['wg', 'syncconf', iface, file])),
    async setPeer(p) {
      if (hasUapi(iface)) return uapiSetPeer(iface, p);
      await run(
        runner,
        setPeerArgv(iface, p, p.presharedKey ? '/dev/stdin' : '/dev/null'),
        p.presharedKey ?? undefined,
      );
    },
    removePeer: async (publicKey) => {
      if (hasUapi(iface)) return uapiRemovePeer(iface, publicKey);
      await run(runner, ['wg', 'set', iface, 'peer', publicKey, 'remove']);
    },
    async setPeers(batch) {
      if (hasUapi(iface)) return uapiSetPeers(iface, batch);
      for (const c of setPeersCommands(iface, batch)) await run(runner, c.argv, undefined, c.fds);
    },
    dump: () => run(runner, ['wg', 'show', iface, 'dump']),
    iface,
    netfilter: runner,
  };
}

const container = 'cell-wireguard';

/**
 * Inside `cell-wireguard`, through long-lived shells (an exec per change would cost tens of
 * milliseconds): single-peer changes with `wg set`, the preshared key as a here-document.
 * The packet rules have a shell of their own, so a peer's `wg set` never waits behind a
 * restore (which reads the whole rule set: tens of milliseconds at 5,000 peers).
 * The config folder is bind-mounted at /config; `wg syncconf` reads the stripped file there.
 */
export function containerBackend(engine: Engine, iface = 'wg0'): WgBackend {
  const runner = channelRunner(new ExecChannel(containerShell(engine, container)));
  const exec = async (argv: string[], input?: string, fds?: string[]) => {
    const r = await runner(argv, input, fds);
    if (!r.ok)
      throw new Error(`${argv.slice(0, 2).join(' ')} in ${container} failed: ${r.err.trim() || 'non-zero exit'}`);
    return r.out;
  };
  return {
    description: `container ${container}`,
    sync: async ({ containerPath }) => void (await exec(['wg', 'syncconf', iface, containerPath])),
    setPeer: async (p) =>
      void (await exec(
        setPeerArgv(iface, p, p.presharedKey ? '/dev/stdin' : '/dev/null'),
        p.presharedKey ?? undefined,
      )),
    removePeer: async (publicKey) => void (await exec(['wg', 'set', iface, 'peer', publicKey, 'remove'])),
    async setPeers(batch) {
      for (const c of setPeersCommands(iface, batch)) await exec(c.argv, undefined, c.fds);
    },
    dump: () => exec(['wg', 'show', iface, 'dump']),
    iface,
    netfilter: channelRunner(new ExecChannel(containerShell(engine, container))),
  };
}

/**
 * `PIC_WG_BACKEND=local` with `PIC_WG_INTERFACE=<name>` (and `PIC_WG_NETNS=<namespace>` when
 * the interface lives in a network namespace of its own); otherwise the container.
 */
export function backendFromEnv(env: Env, engine: Engine): WgBackend {
  if (env.PIC_WG_BACKEND === 'local') {
    const iface = env.PIC_WG_INTERFACE;
    if (!iface || !/^[A-Za-z0-9_.=+-]{1,15}$/.test(iface)) {
      throw new Error('PIC_WG_BACKEND=local needs PIC_WG_INTERFACE set to an interface name (at most 15 characters)');
    }
    const netns = env.PIC_WG_NETNS?.trim() || undefined;
    if (netns && !/^[A-Za-z0-9_.-]{1,64}$/.test(netns))
      throw new Error('PIC_WG_NETNS must be a network namespace name (letters, digits, dot, underscore, hyphen)');
    return localBackend(iface, { netns });
  }
  return containerBackend(engine);
}
