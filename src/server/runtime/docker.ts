import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { engineSocket } from '../managers/health/engine';

/** The engine is not reachable (no socket, refused, or the container is missing). */
export class EngineUnavailableError extends Error {}

let client: { socket: string; docker: Docker } | undefined;

export function docker(): Docker {
  const socket = engineSocket();
  if (!fs.existsSync(socket)) throw new EngineUnavailableError(`No container engine at ${socket}`);
  if (client?.socket !== socket) client = { socket, docker: new Docker({ socketPath: socket, timeout: 15_000 }) };
  return client.docker;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs an argument array inside a running container (never a shell string). */
export async function execIn(container: string, argv: string[]): Promise<ExecResult> {
  const engine = docker();
  try {
    const exec = await engine.getContainer(container).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
    const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
    engine.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    const code = (e as NodeJS.ErrnoException).code;
    if (status === 404 || status === 409) throw new EngineUnavailableError(`Container ${container} is not running`);
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') {
      throw new EngineUnavailableError(`Cannot reach the container engine at ${engineSocket()}: ${code}`);
    }
    throw e;
  }
}
