/** Time for the cell and its peers: chrony's sources, who may ask, and what the daemon reports. */
import { eq } from 'drizzle-orm';
import { DEFAULT_NTP_SOURCES, type UpdateNtp } from '@/lib/schemas/ntp';
import type { Db, DbOrTx } from '../../db';
import { ntpSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { exec } from '../../runtime/components';
import { runtimeOf } from '../../runtime/runtime';
import { applyConfig, configState, type ConfigApply } from '../config-apply';
import { cellFacts } from '../cell';
import { renderChronyConf } from './render';

export const DEFAULT_LOCAL_STRATUM = 10;

export function ensureNtp(db: DbOrTx, now = new Date()): void {
  db.insert(ntpSettings)
    .values({ id: 1, sources: DEFAULT_NTP_SOURCES, localStratum: DEFAULT_LOCAL_STRATUM, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

function ntpRow(db: Db) {
  const row = db.select().from(ntpSettings).where(eq(ntpSettings.id, 1)).get();
  if (!row) throw new InvalidStateError('NTP is not configured yet: complete setup first');
  return row;
}

export function chronyFiles(db: Db): Map<string, string> {
  const row = ntpRow(db);
  return new Map([
    [
      'chrony.conf',
      renderChronyConf({ sources: row.sources, allow: cellFacts(db).internalNetworks, localStratum: row.localStratum }),
    ],
  ]);
}

/** Writes `config/ntp/chrony.conf` and restarts cell-ntp when it changed. */
export function applyNtp(db: Db): Promise<ConfigApply> {
  return applyConfig(db, 'ntp', () => ({ files: chronyFiles(db), reload: 'restart' }));
}

export function getNtp(db: Db) {
  const row = ntpRow(db);
  return {
    sources: row.sources,
    localStratum: row.localStratum,
    allow: cellFacts(db).internalNetworks,
    updatedAt: row.updatedAt,
    applyState: configState(db, 'ntp'),
  };
}

export async function updateNtp(db: Db, input: UpdateNtp, now = new Date()) {
  db.update(ntpSettings)
    .set({ sources: input.sources, localStratum: input.localStratum, updatedAt: now })
    .where(eq(ntpSettings.id, 1))
    .run();
  const apply = await applyNtp(db);
  return { ...getNtp(db), apply };
}

/** `chronyc tracking` as name/value pairs (`Stratum`, `System time`, `Leap status`, ...). */
export function parseTracking(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** What cell-ntp says about its clock; never throws, so the page can show why it has no answer. */
export async function ntpStatus(db: Db) {
  try {
    const r = await exec(runtimeOf(db), 'ntp', ['chronyc', '-n', 'tracking']);
    if (r.exitCode !== 0)
      return {
        available: false as const,
        reason: `chronyc failed: ${(r.stderr || r.stdout).trim() || `exit ${r.exitCode}`}`,
      };
    const tracking = parseTracking(r.stdout);
    return {
      available: true as const,
      reference: tracking['Reference ID'] ?? null,
      stratum: tracking.Stratum ? Number(tracking.Stratum) : null,
      systemTime: tracking['System time'] ?? null,
      lastOffset: tracking['Last offset'] ?? null,
      leapStatus: tracking['Leap status'] ?? null,
      tracking,
    };
  } catch (err) {
    return { available: false as const, reason: (err as Error).message };
  }
}
