/**
 * A long-lived shell inside a container: one `docker exec` whose stdin stays open, so a
 * command costs a write and a read on a stream already there instead of an exec round
 * trip through the engine (tens of milliseconds). Commands are argument arrays, quoted
 * for the shell; an input (a key) goes in as a here-document, never on a command line.
 * The channel opens on first use and again after the container went away.
 */
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { EngineUnavailableError, FrameSplitter, statusOf, type Engine, type ExecResult } from './docker';

const COMMAND_TIMEOUT_MS = 10_000;

/** `'…'` with every `'` closed, escaped and reopened: the shell sees exactly the argument. */
export function shellQuote(arg: string): string {
  if (/[\0\n\r]/.test(arg)) throw new Error('a command argument may not hold NUL or line breaks');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

interface Pending {
  marker: string;
  stdout: string[];
  stderr: string[];
  exitCode: number | null;
  stderrDone: boolean;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ExecChannel {
  private stream: Duplex | null = null;
  private opening: Promise<Duplex> | null = null;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    private readonly container: string,
  ) {}

  /** Runs one command; resolves with its exit code and output like a one-off exec. */
  run(argv: string[], input?: string): Promise<ExecResult> {
    const next = this.queue.then(() => this.send(argv, input));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.stream?.destroy();
    this.stream = null;
  }

  private async open(): Promise<Duplex> {
    const docker = await this.engine.client();
    try {
      const exec = await docker.getContainer(this.container).exec({
        Cmd: ['sh'],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
      const splitter = new FrameSplitter();
      stream.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) this.line(line.stream, line.text);
      });
      const gone = (err?: Error) => {
        if (this.stream === stream) this.stream = null;
        this.fail(err ?? new EngineUnavailableError(`the shell in ${this.container} ended`));
      };
      stream.on('end', () => gone());
      stream.on('close', () => gone());
      stream.on('error', gone);
      return stream;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404) throw new EngineUnavailableError(`Container ${this.container} does not exist`);
      if (status === 409) throw new EngineUnavailableError(`Container ${this.container} is not running`);
      throw this.engine.error(e);
    }
  }

  private async ensure(): Promise<Duplex> {
    if (this.stream && !this.stream.destroyed) return this.stream;
    this.opening ??= this.open().finally(() => (this.opening = null));
    this.stream = await this.opening;
    return this.stream;
  }

  private async send(argv: string[], input?: string): Promise<ExecResult> {
    if (!argv.length) throw new Error('exec needs an argument array');
    const marker = `__pic_${crypto.randomBytes(8).toString('hex')}__`;
    let command = argv.map(shellQuote).join(' ');
    if (input !== undefined) {
      if (input.split('\n').includes(marker)) throw new Error('the input holds the end marker');
      command += ` <<'${marker}'\n${input}${input.endsWith('\n') ? '' : '\n'}${marker}`;
    } else command += ' </dev/null';
    const stream = await this.ensure();
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${argv[0]} in ${this.container} did not finish in ${COMMAND_TIMEOUT_MS / 1000} s`));
        this.close();
      }, COMMAND_TIMEOUT_MS);
      this.pending = { marker, stdout: [], stderr: [], exitCode: null, stderrDone: false, resolve, reject, timer };
      // The exit status goes to stdout after the output, and a marker to stderr, so both streams are complete.
      stream.write(`${command}\necho "${marker} $?"; echo "${marker}" >&2\n`);
    });
  }

  private line(stream: 'stdout' | 'stderr', text: string): void {
    const p = this.pending;
    if (!p) return;
    if (stream === 'stdout') {
      const m = text.startsWith(`${p.marker} `) ? Number(text.slice(p.marker.length + 1)) : null;
      if (m === null) p.stdout.push(text);
      else p.exitCode = m;
    } else if (text === p.marker) p.stderrDone = true;
    else p.stderr.push(text);
    if (p.exitCode !== null && p.stderrDone) {
      clearTimeout(p.timer);
      this.pending = null;
      const joined = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
      p.resolve({ exitCode: p.exitCode, stdout: joined(p.stdout), stderr: joined(p.stderr) });
    }
  }

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = null;
    p.reject(err);
  }
}
