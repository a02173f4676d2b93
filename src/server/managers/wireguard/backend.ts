/**
 * Where the server config is applied: inside the `cell-wireguard` container
 * (production) or on a named local interface (host installs and the tunnel tests).
 * Commands are argument arrays; keys travel on stdin or in 0600 files, never in argv.
 */
import { spawn } from 'node:child_process';
import { EngineUnavailableError, execIn } from '../../runtime/docker';

export class BackendUnavailableError extends Error {}

export interface PeerSpec {
  publicKey: string;
  presharedKey: string | null;
  allowedIps: string[];
}

export interface WgBackend {
  readonly description: string;
  /** Make the interface hold exactly this config (stripped form), without dropping unchanged peers. */
  sync(config: { text: string; containerPath: string }): Promise<void>;
  /** Optional single-peer fast paths. */
  setPeer?(peer: PeerSpec): Promise<void>;
  removePeer?(publicKey: string): Promise<void>;
  /** `wg show <iface> dump`. */
  dump(): Promise<string>;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new BackendUnavailableError(`${cmd} is not installed`) : e),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      const message = `${cmd} ${args[0] ?? ''} failed: ${err.trim() || `exit ${code}`}`;
      // A missing interface means nothing to apply to yet: the change stays pending.
      reject(/No such device|Unable to access interface/.test(err) ? new BackendUnavailableError(message) : new Error(message));
    });
    child.stdin.end(input ?? '');
  });
}

export function localBackend(iface: string): WgBackend {
  return {
    description: `local interface ${iface}`,
    sync: async ({ text }) => void (await run('wg', ['syncconf', iface, '/dev/stdin'], text)),
    async setPeer(p) {
      const args = ['set', iface, 'peer', p.publicKey, 'preshared-key', p.presharedKey ? '/dev/stdin' : '/dev/null', 'allowed-ips', p.allowedIps.join(',')];
      await run('wg', args, p.presharedKey ? `${p.presharedKey}\n` : '');
    },
    removePeer: async (publicKey) => void (await run('wg', ['set', iface, 'peer', publicKey, 'remove'])),
    dump: () => run('wg', ['show', iface, 'dump']),
  };
}

export const WG_CONTAINER = 'cell-wireguard';

/** The config folder is bind-mounted at /config; `wg syncconf` reads the stripped file from there. */
export function containerBackend(container = WG_CONTAINER, iface = 'wg0'): WgBackend {
  const exec = async (argv: string[]) => {
    try {
      const r = await execIn(container, argv);
      if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} in ${container} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      return r.stdout;
    } catch (e) {
      if (e instanceof EngineUnavailableError) throw new BackendUnavailableError(e.message);
      throw e;
    }
  };
  return {
    description: `container ${container}`,
    sync: async ({ containerPath }) => void (await exec(['wg', 'syncconf', iface, containerPath])),
    dump: () => exec(['wg', 'show', iface, 'dump']),
  };
}

/** `PIC_WG_BACKEND=local` with `PIC_WG_INTERFACE=<name>`; otherwise the container. */
export function backendFromEnv(env = process.env): WgBackend {
  if (env.PIC_WG_BACKEND === 'local') {
    const iface = env.PIC_WG_INTERFACE;
    if (!iface || !/^[A-Za-z0-9_.=+-]{1,15}$/.test(iface)) {
      throw new Error('PIC_WG_BACKEND=local needs PIC_WG_INTERFACE set to an interface name (at most 15 characters)');
    }
    return localBackend(iface);
  }
  return containerBackend();
}
