/**
 * Logs: the cell's own lines searched across its services' files (rotated ones included), a
 * live tail, and verbosity set per service (the cell's loggers at the next line), for Caddy
 * (its config is loaded again) and for CoreDNS (its `log` plugin on or off, reloaded).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { eq } from 'drizzle-orm';
import type { SearchLogsInput } from '@/lib/schemas/logs';
import type { Db } from '../../db';
import { logLevels } from '../../db/schema';
import { ValidationError } from '../../errors';
import { LOG_FILES, setLogLevels, type LogLevel, type LogLine } from '../../runtime/logger';
import { runtimeOf } from '../../runtime/runtime';
import { applyStack, componentLogLevel, updateComponent } from '../containers';
import { applyDhcp } from '../dhcp';
import { getDnsSettings, updateDnsSettings } from '../dns';
import { applyCaddy, routeSettingsRow, updateRouteSettings } from '../routes';
import { instanceOfTarget, serviceLogLevels, setServiceLogLevel } from '../store';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Gives the cell's loggers the levels stored (at start, and after each change). */
export function loadLogLevels(db: Db): void {
  setLogLevels(
    Object.fromEntries(
      db
        .select()
        .from(logLevels)
        .all()
        .map((r) => [r.target, r.level]),
    ),
  );
}

export function listLogLevels(db: Db) {
  const cell = db.select().from(logLevels).all();
  return {
    cell: cell.sort((a, b) => a.target.localeCompare(b.target)),
    caddy: (routeSettingsRow(db)?.logLevel ?? 'INFO').toLowerCase() as LogLevel,
    dns: getDnsSettings(db).logLevel,
    ntp: componentLogLevel(db, 'ntp') ?? 'info',
    dhcp: componentLogLevel(db, 'dhcp') ?? 'info',
    /** wireguard-go's: null is its default, nothing after its banner. */
    wireguard: componentLogLevel(db, 'wireguard') as 'debug' | 'error' | null,
    /** The installed services whose manifests say how to set their level. */
    services: serviceLogLevels(db),
  };
}

/**
 * Sets a level and says how it applies: `now` (the cell's loggers at their next line, Caddy and
 * CoreDNS reloaded), `restart` (chronyd, dnsmasq and the store's services read theirs only
 * when they start: the cell restarts their container now, or when the engine is back), or
 * `next-start` (wireguard-go: `cell-wireguard` takes it when it is next made or restarted from
 * the Containers page, since making it again drops the tunnel for a moment).
 */
export async function setLogLevel(db: Db, input: { target: string; level: LogLevel }) {
  const instance = instanceOfTarget(input.target);
  if (instance) {
    const { container, apply } = await setServiceLogLevel(db, instance, input.level);
    return { target: input.target, level: input.level, applies: 'restart' as const, container, apply };
  }
  if (input.target === 'ntp') {
    if (input.level === 'debug')
      throw new ValidationError('chronyd logs info, warn or error: packaged builds have no debug output', 'level');
    updateComponent(db, { component: 'ntp', logLevel: input.level });
    const apply = await applyStack(db);
    return { target: input.target, level: input.level, applies: 'restart' as const, container: 'cell-ntp', apply };
  }
  if (input.target === 'dhcp') {
    updateComponent(db, { component: 'dhcp', logLevel: input.level });
    const apply = await applyDhcp(db);
    return { target: input.target, level: input.level, applies: 'restart' as const, container: 'cell-dhcp', apply };
  }
  if (input.target === 'wireguard') {
    if (input.level !== 'debug' && input.level !== 'error')
      throw new ValidationError('wireguard-go logs everything (debug) or only errors (error)', 'level');
    updateComponent(db, { component: 'wireguard', logLevel: input.level });
    return { target: input.target, level: input.level, applies: 'next-start' as const, container: 'cell-wireguard' };
  }
  if (input.target === 'caddy') {
    updateRouteSettings(
      db,
      { logLevel: input.level.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' },
      runtimeOf(db).clock(),
    );
    const apply = await applyCaddy(db);
    return { target: input.target, level: input.level, applies: 'now' as const, apply };
  }
  if (input.target === 'dns') {
    if (input.level !== 'debug' && input.level !== 'info')
      throw new ValidationError('CoreDNS logs every query (debug) or only errors (info)', 'level');
    const { apply } = await updateDnsSettings(db, { logLevel: input.level });
    return { target: input.target, level: input.level, applies: 'now' as const, apply };
  }
  db.insert(logLevels)
    .values(input)
    .onConflictDoUpdate({ target: logLevels.target, set: { level: input.level } })
    .run();
  loadLogLevels(db);
  return { target: input.target, level: input.level, applies: 'now' as const };
}

/**
 * Forgets a level set for a part of the cell (it logs as the part above it again), a service or
 * wireguard-go (their own default, from their next start).
 */
export async function clearLogLevel(db: Db, target: string): Promise<void> {
  const instance = instanceOfTarget(target);
  if (instance) {
    await setServiceLogLevel(db, instance, null);
    return;
  }
  if (target === 'wireguard') {
    updateComponent(db, { component: 'wireguard', logLevel: null });
    return;
  }
  db.delete(logLevels).where(eq(logLevels.target, target)).run();
  loadLogLevels(db);
}

/** The log files, newest first: each service's file, then its rotated ones in order. */
function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir);
  const bases = names.filter((n) => n.endsWith('.log'));
  return Array.from({ length: LOG_FILES }, (_, i) => bases.map((b) => (i ? `${b}.${i}` : b)))
    .flat()
    .filter((n) => names.includes(n))
    .map((n) => path.join(dir, n));
}

function matches(line: LogLine, q: SearchLogsInput, text: string | undefined): boolean {
  if (q.level && ORDER[line.level] < ORDER[q.level]) return false;
  if (q.service && line.service !== q.service && !line.service?.startsWith(`${q.service}.`)) return false;
  const at = Date.parse(line.time);
  if (q.since && at < q.since.getTime()) return false;
  if (q.until && at > q.until.getTime()) return false;
  return !text || JSON.stringify(line).toLowerCase().includes(text);
}

/** The newest lines that match, newest first (at most `limit`), across every service's files. */
export async function searchLogs(db: Db, q: SearchLogsInput) {
  const limit = q.limit ?? 200;
  const text = q.text?.toLowerCase() || undefined;
  const found: LogLine[] = [];
  for (const file of files(runtimeOf(db).paths.logs())) {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    for await (const raw of lines) {
      if (text && !raw.toLowerCase().includes(text)) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      if (matches(line, q, text)) found.push(line);
    }
  }
  found.sort((a, b) => b.time.localeCompare(a.time));
  return { lines: found.slice(0, limit), more: found.length > limit };
}

/** Whether a line (as written) passes a tail's filters. */
export function tailFilter(q: Pick<SearchLogsInput, 'service' | 'level' | 'text'>) {
  const text = q.text?.toLowerCase() || undefined;
  return (raw: string): LogLine | null => {
    try {
      const line = JSON.parse(raw) as LogLine;
      return matches(line, q, text) ? line : null;
    } catch {
      return null;
    }
  };
}
