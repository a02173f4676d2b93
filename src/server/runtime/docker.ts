/**
 * The one way to the container engine: dockerode over the engine's Unix socket. Every
 * runtime call checks reachability first, so with no engine it fails at once, naming
 * the socket it tried, instead of hanging.
 */
import http from 'node:http';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { InvalidStateError } from '../errors';
import type { Env } from './env';

/** The engine is not reachable (no socket, refused, too slow) or the container is not running. */
export class EngineUnavailableError extends InvalidStateError {}

/** The engine socket: `PIC_DOCKER_SOCKET`, a `unix://` DOCKER_HOST, or the default. */
export function engineSocket(env: Env): string {
  if (env.PIC_DOCKER_SOCKET) return env.PIC_DOCKER_SOCKET;
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export interface EngineStatus {
  reachable: boolean;
  socket: string;
  version?: string;
  apiVersion?: string;
  error?: string;
}

function get(socketPath: string, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`engine answered HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'ENOENT' ? 'no socket there' : err.code === 'ECONNREFUSED' ? 'connection refused' : err.message,
        ),
      ),
    );
  });
}

/** One container engine, reached through its socket. */
export interface Engine {
  socket(): string;
  /** Pings the Docker Engine API; never throws, never waits longer than the timeout. */
  status(timeoutMs?: number): Promise<EngineStatus>;
  /** The client, after a ping: throws EngineUnavailableError (PRECONDITION_FAILED) when it is not there. */
  client(opts?: { streaming?: boolean }): Promise<Docker>;
  /** Maps transport failures of a call already under way to EngineUnavailableError; 404s are the caller's. */
  error(err: unknown): unknown;
  /** Runs an argument array inside a running container (never a shell string). */
  exec(container: string, argv: string[]): Promise<ExecResult>;
}

const clients = new Map<string, Docker>();

/** A dockerode client for a socket, kept per process. `streaming` clients have no idle timeout (logs, pulls). */
function clientFor(socket: string, streaming: boolean): Docker {
  const key = `${socket}|${streaming}`;
  let c = clients.get(key);
  if (!c) {
    c = new Docker({ socketPath: socket, ...(streaming ? {} : { timeout: 30_000 }) });
    clients.set(key, c);
  }
  return c;
}

/** The engine at the socket an environment names (read at each call). */
export function engineOn(env: Env): Engine {
  const socket = () => engineSocket(env);
  const engine: Engine = {
    socket,
    async status(timeoutMs = 800) {
      const at = socket();
      try {
        await get(at, '/_ping', timeoutMs);
        const version = JSON.parse(await get(at, '/version', timeoutMs)) as { Version?: string; ApiVersion?: string };
        return { reachable: true, socket: at, version: version.Version, apiVersion: version.ApiVersion };
      } catch (err) {
        return { reachable: false, socket: at, error: (err as Error).message };
      }
    },
    async client({ streaming = false } = {}) {
      const status = await engine.status();
      if (!status.reachable)
        throw new EngineUnavailableError(`No container engine reachable at ${status.socket}: ${status.error}`);
      return clientFor(status.socket, streaming);
    },
    error(err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET') {
        return new EngineUnavailableError(`Lost the container engine at ${socket()}: ${code}`);
      }
      return err;
    },
    exec: (container, argv) => execIn(engine, container, argv),
  };
  return engine;
}

/** The engine's own message for a failed call (`{"message": ...}`), or the error's. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } }).json;
  if (json?.message) return json.message;
  const reason = (err as { reason?: string }).reason;
  return reason ? `${reason}: ${(err as Error).message}` : (err as Error).message;
}

export const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Splits the engine's multiplexed stream (8-byte frame headers: stream, 0, 0, 0, length)
 * into lines. Feed it chunks as they arrive; partial frames and lines wait for the rest.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  push(chunk: Buffer): LogLine[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: LogLine[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const stream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      const text = this.partial[stream] + this.pending.subarray(8, 8 + size).toString('utf8');
      this.pending = this.pending.subarray(8 + size);
      const parts = text.split('\n');
      this.partial[stream] = parts.pop()!;
      for (const p of parts) lines.push({ stream, text: p.replace(/\r$/, '') });
    }
    return lines;
  }

  /** What is left without a final newline. */
  end(): LogLine[] {
    const rest = (['stdout', 'stderr'] as const)
      .filter((s) => this.partial[s])
      .map((stream) => ({ stream, text: this.partial[stream] }));
    this.partial = { stdout: '', stderr: '' };
    return rest;
  }
}

async function execIn(engine: Engine, container: string, argv: string[]): Promise<ExecResult> {
  const docker = await engine.client();
  try {
    const exec = await docker.getContainer(container).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
    const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    const info = await exec.inspect();
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  } catch (e) {
    const status = statusOf(e);
    if (status === 404) throw new EngineUnavailableError(`Container ${container} does not exist`);
    if (status === 409) throw new EngineUnavailableError(`Container ${container} is not running`);
    throw engine.error(e);
  }
}
