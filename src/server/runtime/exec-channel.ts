/**
 * A long-lived shell: one process whose stdin stays open, so a command costs a write and a
 * read on a stream already there. Inside a container (one `docker exec`) that spares an exec
 * round trip through the engine (tens of milliseconds); on the host it spares the server a
 * process spawn per command (a fork of a large server takes milliseconds of its one thread).
 * Commands are argument arrays, quoted for the shell; an input (a key, a rule set) goes in
 * as a here-document, never on a command line. The channel opens on first use and again
 * after the shell went away.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import { EngineUnavailableError, FrameSplitter, statusOf, type Engine, type ExecResult, type LogLine } from './docker';

const COMMAND_TIMEOUT_MS = 10_000;

/** `'…'` with every `'` closed, escaped and reopened: the shell sees exactly the argument. */
export function shellQuote(arg: string): string {
  if (/[\0\n\r]/.test(arg)) throw new Error('a command argument may not hold NUL or line breaks');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** What an opened shell is to the channel: its input, and a way to end it. */
export interface Shell {
  write(text: string): void;
  destroy(): void;
}

/** Where a shell's output goes: its lines as they come, and its end. */
export interface ShellSink {
  line(stream: LogLine['stream'], text: string): void;
  gone(err?: Error): void;
}

/** How a channel gets its shell: where it runs, and how to start it. */
export interface ShellSource {
  /** For messages: "cell-wireguard", "the host". */
  where: string;
  open(sink: ShellSink): Promise<Shell>;
}

/** A shell in a running container, through one `docker exec` with stdin attached. */
export function containerShell(engine: Engine, container: string): ShellSource {
  return {
    where: container,
    async open(sink) {
      const docker = await engine.client();
      let stream: Duplex;
      try {
        const exec = await docker.getContainer(container).exec({
          Cmd: ['sh'],
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
        });
        stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
      } catch (e) {
        const status = statusOf(e);
        if (status === 404) throw new EngineUnavailableError(`Container ${container} does not exist`);
        if (status === 409) throw new EngineUnavailableError(`Container ${container} is not running`);
        throw engine.error(e);
      }
      const splitter = new FrameSplitter();
      stream.on('data', (chunk: Buffer) => {
        for (const l of splitter.push(chunk)) sink.line(l.stream, l.text);
      });
      const gone = (err?: Error) => sink.gone(err ?? new EngineUnavailableError(`the shell in ${container} ended`));
      stream.on('end', () => gone());
      stream.on('close', () => gone());
      stream.on('error', gone);
      return { write: (text) => void stream.write(text), destroy: () => stream.destroy() };
    },
  };
}

/**
 * A shell on the host (`argv`, such as `ip netns exec <ns> sh` for a namespace). It does not
 * keep the server's process alive by itself, and ends with it (its input closes).
 */
export function hostShell(argv: string[], where: string): ShellSource {
  return {
    where,
    async open(sink) {
      const [cmd, ...args] = argv;
      const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const lines = (stream: LogLine['stream'], from: Readable) => {
        let partial = '';
        from.setEncoding('utf8').on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n');
          partial = parts.pop()!;
          for (const text of parts) sink.line(stream, text);
        });
      };
      lines('stdout', child.stdout!);
      lines('stderr', child.stderr!);
      child.stdin!.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e: NodeJS.ErrnoException) =>
          reject(e.code === 'ENOENT' ? new Error(`${cmd} is not installed`) : e),
        );
      });
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
        sink.gone(new Error(`the shell on ${where} ended (${signal ?? `exit ${code}`})`)),
      );
      // The pipes and the process hold nothing open: a command waiting holds its own timer.
      child.unref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
      return { write: (text) => void child.stdin!.write(text), destroy: () => void child.kill('SIGKILL') };
    },
  };
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

/** Descriptors 3 to 9: what a POSIX shell redirects by a single digit. */
const MAX_FDS = 7;

export class ExecChannel {
  private shell: Shell | null = null;
  private opening: Promise<Shell> | null = null;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly source: ShellSource) {}

  /**
   * Runs one command; resolves with its exit code and output like a one-off exec. `input` is its
   * standard input, `fds` what it reads on descriptors 3 and up (here-documents, never argv).
   */
  run(argv: string[], input?: string, fds: string[] = []): Promise<ExecResult> {
    const next = this.queue.then(() => this.send(argv, input, fds));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.shell?.destroy();
    this.shell = null;
  }

  private async ensure(): Promise<Shell> {
    if (this.shell) return this.shell;
    this.opening ??= (async () => {
      let shell: Shell | null = null;
      shell = await this.source.open({
        line: (stream, text) => this.line(stream, text),
        gone: (err) => {
          if (shell && this.shell === shell) this.shell = null;
          this.fail(err ?? new Error(`the shell on ${this.source.where} ended`));
        },
      });
      return shell;
    })().finally(() => (this.opening = null));
    this.shell = await this.opening;
    return this.shell;
  }

  private async send(argv: string[], input: string | undefined, fds: string[]): Promise<ExecResult> {
    if (!argv.length) throw new Error('exec needs an argument array');
    if (fds.length > MAX_FDS) throw new Error(`at most ${MAX_FDS} inputs besides standard input`);
    const marker = `__pic_${crypto.randomBytes(8).toString('hex')}__`;
    const docs: [fd: number, text: string][] = [
      ...(input !== undefined ? [[0, input] as [number, string]] : []),
      ...fds.map((text, i): [number, string] => [3 + i, text]),
    ];
    const end = (fd: number) => `${marker}${fd}`;
    for (const [fd, text] of docs)
      if (text.split('\n').includes(end(fd))) throw new Error('the input holds the end marker');
    // Redirections on the command's line, then each here-document's text in their order.
    let command = argv.map(shellQuote).join(' ') + (input === undefined ? ' </dev/null' : '');
    for (const [fd] of docs) command += ` ${fd || ''}<<'${end(fd)}'`;
    for (const [fd, text] of docs) command += `\n${text}${text.endsWith('\n') ? '' : '\n'}${end(fd)}`;
    const shell = await this.ensure();
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${argv[0]} in ${this.source.where} did not finish in ${COMMAND_TIMEOUT_MS / 1000} s`));
        this.close();
      }, COMMAND_TIMEOUT_MS);
      this.pending = { marker, stdout: [], stderr: [], exitCode: null, stderrDone: false, resolve, reject, timer };
      // The exit status goes to stdout after the output, and a marker to stderr, so both
      // streams are complete. Output without a final line break ends on the marker's line.
      shell.write(`${command}\necho "${marker} $?"; echo "${marker}" >&2\n`);
    });
  }

  private line(stream: LogLine['stream'], text: string): void {
    const p = this.pending;
    if (!p) return;
    if (stream === 'stdout') {
      const at = text.lastIndexOf(`${p.marker} `);
      if (at < 0) p.stdout.push(text);
      else {
        if (at > 0) p.stdout.push(text.slice(0, at));
        p.exitCode = Number(text.slice(at + p.marker.length + 1));
      }
    } else if (text.endsWith(p.marker)) {
      if (text.length > p.marker.length) p.stderr.push(text.slice(0, -p.marker.length));
      p.stderrDone = true;
    } else p.stderr.push(text);
    if (p.exitCode !== null && p.stderrDone) {
      clearTimeout(p.timer);
      this.pending = null;
      const joined = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
      p.resolve({ exitCode: p.exitCode, stdout: joined(p.stdout), stderr: joined(p.stderr) });
    }
  }

  /** The command waiting fails; what it had said on stderr (why the shell could not start) goes with it. */
  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = null;
    const said = p.stderr.join(' ').trim();
    p.reject(said ? Object.assign(err, { message: `${err.message}: ${said}` }) : err);
  }
}
