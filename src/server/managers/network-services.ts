/**
 * DNS, NTP and DHCP together. Peers and the cell's name and domain feed the DNS names
 * (`namesChanged`); the tunnel subnets and the cell network also feed NTP's allowed
 * networks (`networkChanged`). Whoever changes them calls one of these afterwards.
 */
import type { Db, DbOrTx } from '../db';
import { logger } from '../runtime/logger';
import { applyDhcp, ensureDhcp } from './dhcp';
import { applyDns } from './dns/apply';
import { ensureDns } from './dns/state';
import { applyNtp, ensureNtp } from './ntp';

const log = logger.child('network');

/** The rows a cell needs: at setup, and at boot for cells set up before these services existed. */
export function ensureNetworkServices(db: DbOrTx, now = new Date()): void {
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

/** Re-applies DNS after a change to names (peers, the cell's name or domain); never fails the caller's change. */
export function namesChanged(db: Db): Promise<void> {
  return applyAll(db, [['dns', applyDns]]);
}

/** Re-applies DNS and NTP after a change to the networks; never fails the caller's change (the loop retries what stays pending). */
export function networkChanged(db: Db): Promise<void> {
  return applyAll(db, [
    ['dns', applyDns],
    ['ntp', applyNtp],
  ]);
}

/** The loop's pass: every config rendered, and loaded where it changed or is still pending. */
export function applyNetworkServices(db: Db): Promise<void> {
  return applyAll(db, [
    ['dns', applyDns],
    ['ntp', applyNtp],
    ['dhcp', applyDhcp],
  ]);
}
