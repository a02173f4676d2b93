/**
 * Which scheduled backups are kept: the newest of each of the last N days, weeks and months
 * that have one (as restic and borg count). Backups made by hand are never pruned.
 */
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { backups } from '../../db/schema';
import { logger } from '../../runtime/logger';
import { runtimeOf } from '../../runtime/runtime';
import { removeOffsite } from './offsite';
import { archivePath, backupRows, backupSettingsRow, type BackupRow } from './state';

const log = logger.child('backup');

export interface Keep {
  daily: number;
  weekly: number;
  monthly: number;
}

const day = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
const month = (d: Date) => `${d.getFullYear()}-${d.getMonth()}`;
/** The Monday that starts the date's week (local time). */
const week = (d: Date) => {
  const monday = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
  return day(monday);
};

/** The ids to prune, of scheduled backups that are ready (newest first or not: order does not matter). */
export function toPrune(
  rows: readonly Pick<BackupRow, 'id' | 'createdAt' | 'trigger' | 'state'>[],
  keep: Keep,
): string[] {
  const scheduled = rows
    .filter((r) => r.trigger === 'schedule' && r.state === 'ready')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const kept = new Set<string>();
  for (const [bucket, n] of [
    [day, keep.daily],
    [week, keep.weekly],
    [month, keep.monthly],
  ] as const) {
    const seen = new Set<string>();
    for (const r of scheduled) {
      if (seen.size >= n) break;
      const key = bucket(r.createdAt);
      if (seen.has(key)) continue;
      seen.add(key);
      kept.add(r.id);
    }
  }
  return scheduled.filter((r) => !kept.has(r.id)).map((r) => r.id);
}

/** Deletes what the settings no longer keep: the archive, then its row, then its copy off-site. */
export async function applyRetention(db: Db): Promise<string[]> {
  const s = backupSettingsRow(db);
  const rows = backupRows(db);
  const prune = toPrune(rows, { daily: s.keepDaily, weekly: s.keepWeekly, monthly: s.keepMonthly });
  for (const id of prune) {
    const row = rows.find((r) => r.id === id)!;
    fs.rmSync(archivePath(runtimeOf(db).paths, row), { force: true });
    db.delete(backups).where(eq(backups.id, id)).run();
  }
  if (prune.length) log.info('scheduled backups pruned', { count: prune.length });
  const copied = rows.filter((r) => prune.includes(r.id) && r.offsiteAt).map((r) => r.file);
  await removeOffsite(db, copied);
  return prune;
}
