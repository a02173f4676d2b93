import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { dataPaths } from '../runtime/paths';
import { checkpointInBackground } from './checkpoints';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

function migrationsFolder(): string {
  return process.env.PIC_MIGRATIONS_DIR || path.join(process.cwd(), 'drizzle');
}

/**
 * Open (creating if needed) a cell database and bring it to the latest migration. The
 * server's connection (and a bench standing in for it) checkpoints on a thread of its own.
 */
export function openDb(file: string, { backgroundCheckpoints = false } = {}): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // SQLite gives -wal and -shm the database file's mode: create it 0600 before it opens.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // Cells made before this kept world-readable -wal and -shm files. (A path of the data
  // directory, known at run time: the build's tracer is told not to take the whole folder.)
  for (const side of [`${file}-wal`, `${file}-shm`])
    if (fs.existsSync(/* turbopackIgnore: true */ side)) fs.chmodSync(side, 0o600);
  cacheStatements(sqlite);
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: migrationsFolder() });
  if (backgroundCheckpoints) checkpointInBackground(sqlite);
  return db;
}

/** Statements kept compiled, by their SQL: drizzle prepares every query again, and SQLite's compile is most of a small query's cost. */
const STATEMENT_CACHE = 500;

/**
 * Reuses compiled statements. A statement handed out again is reset to return objects
 * (drizzle asks for raw rows where it wants them); the oldest goes when the cache is full.
 */
function cacheStatements(sqlite: Database.Database): void {
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) {
      if (stmt.reader) stmt.raw(false);
      return stmt;
    }
    stmt = compile(source);
    if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

// One connection per process and data directory; survives Next's module re-evaluation in dev.
const globalForDb = globalThis as unknown as { picDb?: { file: string; db: Db } };

export function getDb(): Db {
  const file = dataPaths.db();
  if (globalForDb.picDb?.file !== file) {
    globalForDb.picDb = { file, db: openDb(file, { backgroundCheckpoints: true }) };
  }
  return globalForDb.picDb.db;
}

export { schema };

/** A transaction handle, for functions that take part in a caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;
