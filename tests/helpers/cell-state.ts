/** A cell as a restore must leave it: what its tables hold and what its kept folders hold. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '@/server/db';
import { KEPT_TABLES } from '@/server/managers/backup/tables';

/**
 * Every row of every table, in a stable order. Left out: the backups' own tables, how each
 * daemon's last apply went (a restore applies again), and the trail's entries about backups
 * and restores (each is written after the snapshot it is about).
 */
export function tableRows(db: Db): Record<string, unknown[]> {
  const sqlite = db.$client;
  const names = (
    sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as {
      name: string;
    }[]
  )
    .map((t) => t.name)
    .filter((t) => !KEPT_TABLES.has(t) && t !== 'config_applies')
    .sort();
  return Object.fromEntries(
    names.map((t) => {
      const n = (sqlite.prepare('select count(*) as n from pragma_table_info(?)').get(t) as { n: number }).n;
      const order = Array.from({ length: n }, (_, i) => i + 1).join(', ');
      const rows = sqlite.prepare(`select * from "${t}" order by ${order}`).all() as { procedure?: string }[];
      return [t, t === 'audit_entries' ? rows.filter((e) => !e.procedure!.startsWith('backup.')) : rows];
    }),
  );
}

/** Every file of the secrets, config and state folders, by its path in the data directory, hashed. */
export function folderFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile())
        files[path.relative(dir, f)] = crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    }
  };
  for (const folder of ['secrets', 'config', 'state'])
    if (fs.existsSync(path.join(dir, folder))) walk(path.join(dir, folder));
  return files;
}

export const cellState = (db: Db, dir: string) => ({ rows: tableRows(db), files: folderFiles(dir) });
