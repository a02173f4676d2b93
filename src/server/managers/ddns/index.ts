/**
 * Keeps the cell's public name pointing at its public address. Every cycle discovers
 * the address (two sources that agree) and calls the provider only when it changed or
 * when forced; failures back off (1 min doubling to 1 h, longer when rate limited).
 */
import { eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db';
import { ddnsState, settings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { logger } from '../../runtime/logger';
import { decryptSecret, derivedSecret, encryptSecret } from '../../runtime/secrets';
import { serialQueue } from '../../runtime/serial';
import { refuseInternal } from '../../runtime/outbound';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { followPublishedAddress } from '../dns';
import { cellFacts } from '../cell';
import {
  cloudflare,
  DdnsError,
  discoverAddress,
  duckdns,
  dyndns2,
  picNgo,
  providerUrls,
  type Provider,
} from './providers';

export { picNgoNameAvailable, providerUrls } from './providers';

const log = logger.child('ddns');
export const DEFAULT_SOURCES = ['https://api.ipify.org', 'https://ipv4.icanhazip.com'];
export const REPUBLISH_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 60 * 60_000;

type StateRow = typeof ddnsState.$inferSelect;

export function ensureDdns(db: DbOrTx, now = new Date()): void {
  db.insert(ddnsState)
    .values({ id: 1, sources: DEFAULT_SOURCES, failures: 0, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

function stateRow(db: DbOrTx): StateRow {
  const row = db.select().from(ddnsState).where(eq(ddnsState.id, 1)).get();
  if (!row) throw new InvalidStateError('Dynamic DNS is not configured yet: complete setup first');
  return row;
}

/**
 * What a URL an admin typed may not reach: loopback, link-local, the tunnel and the cell
 * network. `PIC_OUTBOUND_ALLOW_LOOPBACK=1` lets tests serve sources on loopback.
 */
const refuseFor = (db: Db) =>
  refuseInternal(cellFacts(db).internalNetworks, {
    allowLoopback: runtimeOf(db).env.PIC_OUTBOUND_ALLOW_LOOPBACK === '1',
  });

/** The provider the domain mode calls for; http01 and lan use dyndns2 when it is set up, else nothing. */
export function providerFor(db: Db): Provider | null {
  const cell = db.select().from(settings).where(eq(settings.id, 1)).get();
  if (!cell) return null;
  const token = cell.ddnsTokenEnc ? decryptSecret(cell.ddnsTokenEnc, 'settings.ddns_token_enc') : null;
  const urls = providerUrls(runtimeOf(db).env);
  switch (cell.domainMode) {
    case 'pic_ngo':
      return picNgo(derivedSecret('pic.ngo'), urls);
    case 'cloudflare':
      return token ? cloudflare(token, urls) : null;
    case 'duckdns':
      return token ? duckdns(token, urls) : null;
    default: {
      const s = stateRow(db);
      return s.dyndns2Server && s.dyndns2Username && s.dyndns2PasswordEnc && s.dyndns2Hostname
        ? dyndns2(
            s.dyndns2Server,
            s.dyndns2Username,
            decryptSecret(s.dyndns2PasswordEnc, 'ddns_state.dyndns2_password_enc'),
            s.dyndns2Hostname,
            refuseFor(db),
          )
        : null;
    }
  }
}

/** 1 min, 2 min, 4 min, … up to an hour; a rate limit waits at least as long as asked, and twice the usual. */
export function backoffMs(failures: number, err?: DdnsError): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);
  if (err?.kind === 'rate') return Math.max(base * 2, (err.retryAfter ?? 0) * 1000);
  return base;
}

export function ddnsStatus(db: Db) {
  const s = stateRow(db);
  const provider = providerFor(db);
  return {
    provider: provider?.id ?? null,
    sources: s.sources,
    publicAddress: s.lastDiscovered,
    publishedAddress: s.publishedAddress,
    lastUpdateAt: s.lastUpdateAt,
    lastCheckAt: s.lastCheckAt,
    lastError: s.lastError,
    failures: s.failures,
    nextAttemptAt: s.nextAttemptAt,
    dyndns2: s.dyndns2Server
      ? {
          server: s.dyndns2Server,
          username: s.dyndns2Username,
          hostname: s.dyndns2Hostname,
          hasPassword: s.dyndns2PasswordEnc !== null,
        }
      : null,
  };
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
  const domain = db.select({ domain: settings.domain }).from(settings).where(eq(settings.id, 1)).get()!.domain;
  let ip: string | null = null;
  try {
    ip = await discoverAddress(s.sources, refuseFor(db));
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
export function ddnsCycle(db: Db, { force = false, now = new Date() } = {}) {
  return serially(() => cycle(db, force, now));
}

export async function ddnsUpdateNow(db: Db) {
  await ddnsCycle(db, { force: true });
  return ddnsStatus(db);
}

export function updateDdns(
  db: Db,
  input: {
    sources?: string[];
    dyndns2?: { server: string; username: string; password?: string; hostname: string } | null;
  },
  now = new Date(),
) {
  const current = stateRow(db);
  const set: Partial<StateRow> = { updatedAt: now, nextAttemptAt: null };
  if (input.sources) set.sources = input.sources;
  if (input.dyndns2 === null)
    Object.assign(set, { dyndns2Server: null, dyndns2Username: null, dyndns2PasswordEnc: null, dyndns2Hostname: null });
  else if (input.dyndns2) {
    const passwordEnc = input.dyndns2.password
      ? encryptSecret(input.dyndns2.password, 'ddns_state.dyndns2_password_enc')
      : current.dyndns2PasswordEnc;
    if (!passwordEnc) throw new InvalidStateError('A dyndns2 password is required', 'dyndns2.password');
    Object.assign(set, {
      dyndns2Server: input.dyndns2.server,
      dyndns2Username: input.dyndns2.username,
      dyndns2PasswordEnc: passwordEnc,
      dyndns2Hostname: input.dyndns2.hostname,
    });
  }
  db.update(ddnsState).set(set).where(eq(ddnsState.id, 1)).run();
  return ddnsStatus(db);
}
