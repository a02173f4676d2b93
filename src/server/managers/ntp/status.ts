/** What cell-ntp's chrony says about its clock. */
import type { Db } from '../../db';
import { exec } from '../../runtime/components';
import { runtimeOf } from '../../runtime/runtime';

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
