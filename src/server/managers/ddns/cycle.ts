/**
 * One dynamic DNS cycle: discover the address (two sources that agree), call the provider
 * only when it changed or when forced, and back off after failures (1 min doubling to
 * 1 h, longer when rate limited).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { ddnsState } from '../../db/schema';
import { changed } from '../../runtime/changes';
import { logger } from '../../runtime/logger';
import { serialQueue } from '../../runtime/serial';
import { cellFacts } from '../cell';
import { followPublishedAddress } from '../dns';
import { DdnsError, discoverAddress } from './providers';
import { outboundRefusal } from '../cell';
import { ddnsStatus, providerFor } from './settings';
import { stateRow, type StateRow } from './state';
import { runtimeOf } from '../../runtime/runtime';

const log = logger.child('ddns');
export const REPUBLISH_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 60 * 60_000;

/** 1 min, 2 min, 4 min, … up to an hour; a rate limit waits at least as long as asked, and twice the usual. */
export function backoffMs(failures: number, err?: DdnsError): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
  if (err?.kind === 'rate') return Math.max(base * 2, (err.retryAfter ?? 0) * 1000);
  return base;
}

const serially = serialQueue('ddns');

async function cycle(db: Db, force: boolean, now: Date) {
  const s = stateRow(db);
  const provider = providerFor(db);
  const set = (values: Partial<StateRow>) =>
    db
      .update(ddnsState)
      .set({ ...values, updatedAt: now })
      .where(eq(ddnsState.id, 1))
      .run();
  if (!provider) {
    set({ lastCheckAt: now, nextAttemptAt: new Date(now.getTime() + REPUBLISH_MS) });
    return { called: false, reason: 'No dynamic DNS provider for this domain mode' };
  }
  if (!force && s.nextAttemptAt && now.getTime() < s.nextAttemptAt.getTime())
    return { called: false, reason: 'not due yet' };
  const { domain } = cellFacts(db);
  let ip: string | null = null;
  try {
    ip = await discoverAddress(s.sources, outboundRefusal(db));
    if (!force && ip === s.publishedAddress) {
      set({
        lastDiscovered: ip,
        lastCheckAt: now,
        lastError: null,
        failures: 0,
        nextAttemptAt: new Date(now.getTime() + REPUBLISH_MS),
      });
      return { called: false, reason: `${ip} is already published` };
    }
    await provider.publish({ name: domain, ip });
  } catch (err) {
    const e = err instanceof DdnsError ? err : new DdnsError((err as Error).message, 'network');
    const failures = s.failures + 1;
    set({
      lastDiscovered: ip ?? s.lastDiscovered,
      lastCheckAt: now,
      lastError: e.message,
      failures,
      nextAttemptAt: new Date(now.getTime() + backoffMs(failures, e)),
    });
    log.warn('dynamic DNS update failed', { provider: provider.id, error: e.message, failures });
    return { called: true, reason: e.message };
  }
  set({
    publishedAddress: ip,
    lastDiscovered: ip,
    lastUpdateAt: now,
    lastCheckAt: now,
    lastError: null,
    failures: 0,
    nextAttemptAt: new Date(now.getTime() + REPUBLISH_MS),
  });
  // The external view of the domain follows the published address unless an admin set another.
  if (followPublishedAddress(db, s.publishedAddress, ip)) await changed(db, ['public'], { wait: true });
  log.info('dynamic DNS updated', { provider: provider.id, ip });
  return { called: true, reason: null };
}

/** One cycle (the loop runs it every minute; it acts when due). `force` skips the wait and the unchanged check. */
export function ddnsCycle(db: Db, { force = false, now = runtimeOf(db).clock() } = {}) {
  return serially(() => cycle(db, force, now));
}

export async function ddnsUpdateNow(db: Db) {
  await ddnsCycle(db, { force: true });
  return ddnsStatus(db);
}
