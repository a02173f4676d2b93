/**
 * DNS, NTP, DHCP and the reverse proxy together. Peers feed the DNS names (`namesChanged`);
 * the tunnel subnets, the cell network and the cell's name and domain also feed NTP's
 * allowed networks and Caddy's hosts (`networkChanged`). Whoever changes them calls one
 * of these afterwards.
 */
import type { Db, DbOrTx } from '../db';
import { logger } from '../runtime/logger';
import { ensureDdns } from './ddns';
import { applyDhcp, ensureDhcp } from './dhcp';
import { applyDns } from './dns/apply';
import { ensureDns } from './dns/state';
import { applyNtp, ensureNtp } from './ntp';
import { applyCaddy, ensureProxy } from './proxy/apply';
import { caAuthorities } from '../db/schema';

const log = logger.child('network');

/** The rows a cell needs: at setup, and at boot for cells set up before these services existed. */
export function ensureNetworkServices(db: DbOrTx, now = new Date()): void {
  ensureProxy(db, now);
  ensureDdns(db, now);
  ensureDns(db, now);
  ensureNtp(db, now);
  ensureDhcp(db, now);
}

async function applyAll(db: Db, applies: [string, (db: Db) => Promise<unknown>][]): Promise<void> {
  for (const [component, apply] of applies) {
    try {
      await apply(db);
    } catch (err) {
      log.error('network config apply failed', { component, err });
    }
  }
}

/** DNS follows name changes a moment later, coalesced: a burst of changes renders the zones once. */
const NAMES_DELAY_MS = 50;
/** A burst renders the zones at most this often: a render's cost grows with the names. */
const NAMES_MIN_INTERVAL_MS = 500;
let namesScheduled: Promise<void> | null = null;
let namesRunning: Promise<void> = Promise.resolve();
let namesLastRun = 0;
let namesDb: Db | null = null;

/**
 * Schedules DNS after a change to names (peers, reservations, routes); the caller does not
 * wait for it, and changes arriving within a moment share one render. Never fails the caller.
 */
export function namesChanged(db: Db): Promise<void> {
  // The render reads the database the latest change went to.
  namesDb = db;
  namesScheduled ??= new Promise<void>((resolve) => {
    const wait = Math.max(NAMES_DELAY_MS, namesLastRun + NAMES_MIN_INTERVAL_MS - Date.now());
    const timer = setTimeout(() => {
      namesScheduled = null;
      namesRunning = namesRunning.then(() => {
        namesLastRun = Date.now();
        return applyAll(namesDb!, [['dns', applyDns]]);
      });
      void namesRunning.then(resolve);
    }, wait);
    timer.unref?.();
  });
  return Promise.resolve();
}

/** Resolves once the DNS render that name changes scheduled has run (tests, and whoever reads the zones next). */
export async function settleNames(): Promise<void> {
  await namesScheduled;
  await namesRunning;
}

/**
 * Re-applies DNS, NTP and Caddy after a change to the networks or the domain; never fails
 * the caller's change (the loop retries what stays pending).
 */
export function networkChanged(db: Db): Promise<void> {
  return applyAll(db, [
    ['dns', applyDns],
    ['ntp', applyNtp],
    ['caddy', applyCaddyWhenReady],
  ]);
}

/** Caddy's certificates come from the CA's intermediate: until the CA exists (right after setup) there is nothing to load. */
async function applyCaddyWhenReady(db: Db): Promise<unknown> {
  return db.select({ role: caAuthorities.role }).from(caAuthorities).all().length === 2 ? applyCaddy(db) : null;
}

/** The loop's pass: every config rendered, and loaded where it changed or is still pending. */
export function applyNetworkServices(db: Db): Promise<void> {
  return applyAll(db, [
    ['dns', applyDns],
    ['ntp', applyNtp],
    ['dhcp', applyDhcp],
    ['caddy', applyCaddyWhenReady],
  ]);
}
