/** Renders the DNS files with a serial that moves only when the zones change, and applies them with SIGUSR1. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { dnsSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { applyConfig, type ConfigApply } from '../config-apply';
import { renderDnsFiles, type DnsInputs, type DnsName } from './model';
import { dnsRow, loadDnsInputs, peersDnsNames } from './state';
import type { ChangeScope } from '../../runtime/changes';
import { processWide } from '../../runtime/process-wide';
import { readFileNoFollow } from '../../runtime/fs-atomic';
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

/**
 * The inputs of the last render: a run for some peers' changes reads only their names (a
 * read of every name takes 8 ms at 5,000 peers) and puts them in place.
 */
const kept = processWide('dns.kept', () => ({ db: null as Db | null, inputs: null as DnsInputs | null }));

function hashOf(inputs: DnsInputs): string {
  // The zones are a function of these inputs: hashing them spares a second render. The
  // inputs are built in a fixed order (names by label, records by id), so plain JSON is stable.
  return createHash('sha256')
    .update(`${RENDER_VERSION}\0${JSON.stringify(inputs)}`)
    .digest('hex');
}

const byLabel = (a: DnsName, b: DnsName) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);

/**
 * The kept inputs with these peers' names as they are now; null when they are not known
 * here (another database, nothing kept). Says whether any name changed.
 */
function withPeersNames(db: Db, peers: ReadonlySet<number>): { inputs: DnsInputs; changed: boolean } | null {
  const inputs = kept.db === db ? kept.inputs : null;
  const fresh = inputs && peersDnsNames(db, peers);
  if (!inputs || !fresh) return null;
  const refs = new Set([...peers].map(String));
  const theirs = (n: DnsName) => n.kind === 'peer' && refs.has(n.ref);
  const now = [...fresh.values()].flat().sort(byLabel);
  if (JSON.stringify(inputs.names.filter(theirs).sort(byLabel)) === JSON.stringify(now))
    return { inputs, changed: false };
  // The zones list their records in their own order: where the names go here does not matter.
  inputs.names = [...inputs.names.filter((n) => !theirs(n)), ...now];
  return { inputs, changed: true };
}

/** Whether the DNS folder holds exactly these files already. */
function writtenAlready(db: Db, files: Map<string, string>): boolean {
  const dir = runtimeOf(db).paths.config('dns');
  return [...files].every(([name, content]) => readFileNoFollow(path.join(dir, name)) === content);
}

/**
 * The files as they should be now; a change to what they say moves the serial first. A run
 * for some peers' changes puts only their names in place in the inputs kept from the last one.
 */
function currentDnsFiles(db: Db, scope: ChangeScope, now = runtimeOf(db).clock()): Map<string, string> {
  const row = dnsRow(db);
  const delta = scope && withPeersNames(db, scope.peers);
  let inputs: DnsInputs;
  // After a delta the hash of the whole is not known (it would cost what the delta spares):
  // the next whole read compares the zones as written instead.
  let hash: string | null;
  if (delta) {
    inputs = delta.inputs;
    hash = delta.changed ? null : row.serialHash;
  } else {
    const whole = loadDnsInputs(db);
    if (!whole) throw new InvalidStateError('DNS is not configured yet: complete setup first');
    kept.db = db;
    kept.inputs = inputs = whole;
    hash = hashOf(whole);
    if (row.serialHash === null) {
      // No hash to compare with (a run for some peers left none): the zones as written say
      // whether anything changed since. If not, nothing moves (the serial, the row).
      const files = renderDnsFiles(whole, row.serial);
      if (writtenAlready(db, files)) return files;
    }
  }
  let serial = row.serial;
  if (hash === null || row.serialHash !== hash) {
    serial = nextSerial(row.serial, now);
    db.update(dnsSettings)
      .set({ serial, serialHash: hash })
      .where(and(eq(dnsSettings.id, 1), eq(dnsSettings.serial, row.serial)))
      .run();
  }
  return renderDnsFiles(inputs, serial);
}

/**
 * Writes `config/dns/` (Corefile and zones; old zones removed) and sends cell-dns one SIGUSR1
 * if anything changed. With a scope (the peers a burst of changes touched), only their names
 * are read again.
 */
export function applyDns(db: Db, scope: ChangeScope = null): Promise<ConfigApply> {
  return applyConfig(db, 'dns', () => ({
    files: currentDnsFiles(db, scope),
    reload: { signal: 'SIGUSR1' },
    prune: /\.zone$/,
  }));
}
