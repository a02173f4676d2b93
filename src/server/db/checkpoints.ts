/**
 * WAL checkpoints on a thread of their own. SQLite copies the write-ahead log back into
 * the database on the commit that crosses its threshold: every few dozen changes, one
 * request paid for a checkpoint (a copy and an fsync). The server's connection does no
 * checkpoints; a worker with its own connection runs a passive one every second, which
 * never blocks a writer, and when the log has grown long it finishes the copy while
 * writers wait a moment, so the log starts over. If the worker cannot run, the connection
 * checkpoints itself again.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { logger } from '../runtime/logger';

const log = logger.child('db');

/** The worker's code: plain CommonJS, so it needs no build step (better-sqlite3 is an external package). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const pass = () => {
  try {
    const [done] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under steady writes the log never ends fully copied, so it would only grow: once it is
    // long, the last few frames are copied with writers held back a moment, and it is emptied.
    if (done.log > workerData.restartPages) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
};
setInterval(pass, workerData.intervalMs);
`;

/** SQLite's own default: a checkpoint once the log holds 1,000 pages. */
const AUTO_CHECKPOINT_PAGES = 1000;

export function checkpointInBackground(sqlite: Database.Database, intervalMs = 1_000): void {
  const fallBack = (err: unknown) => {
    log.warn('WAL checkpoints run on the connection again', { err });
    sqlite.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      workerData: { file: sqlite.name, intervalMs, restartPages: AUTO_CHECKPOINT_PAGES },
    });
  } catch (err) {
    fallBack(err);
    return;
  }
  sqlite.pragma('wal_autocheckpoint = 0');
  worker.on('message', (m: { error?: string }) => m.error && log.warn('a WAL checkpoint failed', { error: m.error }));
  worker.on('error', fallBack);
  // The process may end while the worker runs: a checkpoint cut short loses nothing, the log keeps every change.
  worker.unref();
}
