/** Renders the DNS files with a serial that moves only when the zones change, and applies them with SIGUSR1. */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { dnsSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { applyConfig, type ConfigApply } from '../config-apply';
import { renderDnsFiles } from './model';
import { dnsRow, loadDnsInputs } from './state';
import { runtimeOf } from '../../runtime/runtime';

const SERIAL_MAX = 4294967295;

/**
 * The next zone serial: at least one more than the last, and at least the current Unix
 * time, so it never goes back across restarts and still moves twice in one second.
 */
export function nextSerial(previous: number, now: Date): number {
  return Math.min(Math.max(previous + 1, Math.floor(now.getTime() / 1000)), SERIAL_MAX);
}

/** Bumped when the renderers change what they write for the same inputs, so the serial moves then too. */
const RENDER_VERSION = 1;

/** The files as they should be now; a change to what they say moves the serial first. */
function currentDnsFiles(db: Db, now = runtimeOf(db).clock()): Map<string, string> {
  const inputs = loadDnsInputs(db);
  if (!inputs) throw new InvalidStateError('DNS is not configured yet: complete setup first');
  // The zones are a function of these inputs: hashing them spares a second render. The
  // inputs are built in a fixed order (names by label, records by id), so plain JSON is stable.
  const hash = createHash('sha256')
    .update(`${RENDER_VERSION}\0${JSON.stringify(inputs)}`)
    .digest('hex');
  const row = dnsRow(db);
  let serial = row.serial;
  if (row.serialHash !== hash) {
    serial = nextSerial(row.serial, now);
    db.update(dnsSettings)
      .set({ serial, serialHash: hash })
      .where(and(eq(dnsSettings.id, 1), eq(dnsSettings.serial, row.serial)))
      .run();
  }
  return renderDnsFiles(inputs, serial);
}

/** Writes `config/dns/` (Corefile and zones; old zones removed) and sends cell-dns one SIGUSR1 if anything changed. */
export function applyDns(db: Db): Promise<ConfigApply> {
  return applyConfig(db, 'dns', () => ({
    files: currentDnsFiles(db),
    reload: { signal: 'SIGUSR1' },
    prune: /\.zone$/,
  }));
}
