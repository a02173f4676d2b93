/**
 * The cell's logs, on pino: every module logs through a child of its service's logger
 * (`cell.<service>.<module>`), as one JSON line with its time, level, service and message.
 * Secrets are redacted. Each service writes `logs/<service>.log`, rotated at 5 MB and kept as
 * 5 files. A level set for a service (or any part of its name) applies to the next line of
 * every module under it, with no restart; lines also go to anyone following the live tail.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { dataPaths } from './paths';
import { processWide } from './process-wide';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const LOG_FILE_BYTES = 5 * 1024 * 1024;
/** Files a service keeps: its log and 4 rotated ones. */
export const LOG_FILES = 5;

/** Field names whose values never reach a log line (here or one level down). */
const SECRET_FIELDS = [
  'password',
  'passphrase',
  'token',
  'secret',
  'privateKey',
  'presharedKey',
  'authorization',
  'cookie',
];
const REDACT = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

export interface LogLine {
  time: string;
  level: LogLevel;
  service: string;
  msg: string;
  [field: string]: unknown;
}

const state = processWide('logger.state', () => ({
  /** Levels set for services or parts of their names (`cell.store`, `cell.store.accounts`). */
  levels: new Map<string, LogLevel>(),
  /** One pino logger per service file, per data directory. */
  roots: new Map<string, pino.Logger>(),
  files: new Map<string, RotatingFileStream>(),
  /** The logs folder the streams write to: a test's next cell closes the last one's. */
  dir: '',
  tail: new EventEmitter().setMaxListeners(100),
}));

/** The levels set by the admin (the logs manager loads them at start and on each change). */
export function setLogLevels(levels: Record<string, LogLevel>): void {
  state.levels = new Map(Object.entries(levels));
}

/** The level a service logs at: its own, else the nearest part of its name's, else the environment's. */
export function levelFor(service: string): LogLevel {
  for (let name = service; name; name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '') {
    const set = state.levels.get(name);
    if (set) return set;
  }
  const env = process.env.PIC_LOG_LEVEL as LogLevel | undefined;
  return env && env in ORDER ? env : 'info';
}

/** The file a service writes: `cell.store.accounts` → `store.log`; the cell itself → `cell.log`. */
export const logFileOf = (service: string) => `${service.split('.')[1] ?? 'cell'}.log`;

/** Every new line, for the live tail (the listener gets the line as written). */
export function onLogLine(listener: (line: string) => void): () => void {
  state.tail.on('line', listener);
  return () => void state.tail.off('line', listener);
}

/** Resolves once every line logged so far is in its file (tests, a clean stop, the command line). */
export async function flushLogs(): Promise<void> {
  await Promise.all(
    [...state.files.values()].map(
      (s) => new Promise<void>((resolve) => (s.writable ? s.write('', () => resolve()) : resolve())),
    ),
  );
}

function fileStream(dir: string, name: string): RotatingFileStream {
  const key = path.join(dir, name);
  let s = state.files.get(key);
  if (!s) {
    // Classical rotation: `<name>` is written, `<name>.1` … `<name>.4` are the older ones.
    s = createStream(name, {
      path: dir,
      size: '5M',
      rotate: LOG_FILES - 1,
      mode: 0o640,
    });
    // Logging never takes the server down (a read-only or full disk).
    s.on('error', () => undefined);
    state.files.set(key, s);
  }
  return s;
}

function rootFor(service: string): pino.Logger {
  const dir = dataPaths.logs();
  if (dir !== state.dir) {
    for (const stream of state.files.values()) stream.end();
    state.files.clear();
    state.roots.clear();
    state.dir = dir;
  }
  const file = logFileOf(service);
  const key = path.join(dir, file);
  let root = state.roots.get(key);
  if (!root) {
    const tail = new Writable({
      write(chunk: Buffer, _enc, done) {
        state.tail.emit('line', chunk.toString().trimEnd());
        done();
      },
    });
    const streams: pino.StreamEntry[] = [
      { level: 'debug', stream: fileStream(dir, file) },
      { level: 'debug', stream: tail },
    ];
    if (process.env.PIC_LOG_STDOUT !== '0') streams.push({ level: 'debug', stream: process.stdout });
    root = pino(
      {
        level: 'debug',
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACT, censor: '[redacted]' },
      },
      pino.multistream(streams),
    );
    state.roots.set(key, root);
  }
  return root;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(service: string): Logger;
}

function errorFields(fields?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  return out;
}

function make(service: string): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[levelFor(service)]) return;
    try {
      rootFor(service)[level]({ service, ...errorFields(fields) }, msg);
    } catch {
      // As above: a log line that cannot be written is dropped, never thrown.
    }
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
