/**
 * Puts a database file's rows into the live database in one transaction: every table is
 * emptied and filled from the file, or (on any failure, or a kill) none is. The server's
 * connection stays open throughout. The cell's own record of its backups is kept as it is.
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { openDb } from '../../db';

/** Tables a restore leaves alone: the archives on this disk and the operation now running. */
export const KEPT_TABLES = new Set(['backups', 'backup_operations', '__drizzle_migrations']);

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Brings a database file (a staged snapshot, possibly from an older cell) to this cell's schema. */
export function migrateFile(file: string): void {
  const db = openDb(file);
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  for (const side of [`${file}-wal`, `${file}-shm`]) fs.rmSync(side, { force: true });
}

function tablesOf(sqlite: Database.Database, schema: string): string[] {
  return (
    sqlite
      .prepare(
        `select name from ${schema}.sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`,
      )
      .all() as { name: string }[]
  )
    .map((r) => r.name)
    .filter((n) => !KEPT_TABLES.has(n));
}

/** Replaces every table's rows (but the kept ones) with the file's. The file has this cell's schema. */
export function replaceRows(sqlite: Database.Database, file: string): { tables: number; rows: number } {
  sqlite.prepare('attach database ? as src').run(file);
  // Foreign keys are checked once the rows are all in, not table by table.
  sqlite.pragma('foreign_keys = OFF');
  try {
    const tables = tablesOf(sqlite, 'main');
    const theirs = new Set(tablesOf(sqlite, 'src'));
    const missing = tables.filter((t) => !theirs.has(t));
    if (missing.length) throw new Error(`The snapshot lacks tables ${missing.join(', ')}`);
    let rows = 0;
    sqlite.transaction(() => {
      for (const t of tables) {
        const cols = (sqlite.prepare(`select name from pragma_table_info(?)`).all(t) as { name: string }[])
          .map((c) => quote(c.name))
          .join(', ');
        sqlite.prepare(`delete from main.${quote(t)}`).run();
        rows += sqlite
          .prepare(`insert into main.${quote(t)} (${cols}) select ${cols} from src.${quote(t)}`)
          .run().changes;
      }
      const names = tables.map(() => '?').join(', ');
      sqlite.prepare(`delete from main.sqlite_sequence where name in (${names})`).run(...tables);
      sqlite
        .prepare(
          `insert into main.sqlite_sequence (name, seq) select name, seq from src.sqlite_sequence where name in (${names})`,
        )
        .run(...tables);
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length) throw new Error(`The snapshot's rows break ${broken.length} foreign keys`);
    })();
    return { tables: tables.length, rows };
  } finally {
    sqlite.pragma('foreign_keys = ON');
    sqlite.prepare('detach database src').run();
  }
}
