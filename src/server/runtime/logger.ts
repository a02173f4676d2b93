import fs from 'node:fs';
import path from 'node:path';
import { dataPaths } from './paths';
import { processWide } from './process-wide';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const MAX_BYTES = 5 * 1024 * 1024;
const KEEP = 5;

/** Appends JSON lines to `logs/<name>.log`, rotating at 5 MB and keeping 5 files. */
class RotatingFile {
  private size = -1;
  constructor(private readonly file: string) {}

  write(line: string): void {
    try {
      if (this.size < 0) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        this.size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
      }
      if (this.size + line.length > MAX_BYTES) this.rotate();
      fs.appendFileSync(this.file, line, { mode: 0o640 });
      this.size += Buffer.byteLength(line);
    } catch {
      // Logging must never take the server down (read-only disk, full disk).
    }
  }

  private rotate(): void {
    for (let i = KEEP - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (fs.existsSync(/*turbopackIgnore: true*/ from)) fs.renameSync(from, `${this.file}.${i + 1}`);
    }
    if (fs.existsSync(this.file)) fs.renameSync(this.file, `${this.file}.1`);
    fs.rmSync(`${this.file}.${KEEP + 1}`, { force: true });
    this.size = 0;
  }
}

// One writer per log file in the process, so two bundles never rotate the same file.
const files = processWide('logger.files', () => new Map<string, RotatingFile>());
function fileFor(dir: string): RotatingFile {
  let f = files.get(dir);
  if (!f) files.set(dir, (f = new RotatingFile(path.join(dir, 'cell.log'))));
  return f;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(service: string): Logger;
}

function minLevel(): LogLevel {
  const env = process.env.PIC_LOG_LEVEL as LogLevel | undefined;
  return env && env in ORDER ? env : 'info';
}

function errorFields(fields?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  return out;
}

function make(service: string): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel()]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, service, msg, ...errorFields(fields) }) + '\n';
    if (process.env.PIC_LOG_STDOUT !== '0') process.stdout.write(line);
    fileFor(dataPaths.logs()).write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => make(`${service}.${name}`),
  };
}

export const logger: Logger = make('cell');
