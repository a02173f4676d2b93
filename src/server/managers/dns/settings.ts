/** Upstreams, DNS over TLS, cache, log level and the public addresses of the external view. */
import { eq } from 'drizzle-orm';
import type { UpdateDnsSettings } from '@/lib/schemas/dns';
import type { Db, DbOrTx } from '../../db';
import { dnsSettings } from '../../db/schema';
import { configState } from '../config-apply';
import { applyDns } from './apply';
import { dnsRow, loadDnsInputs } from './state';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';

export function getDnsSettings(db: Db) {
  const { serialHash: _internal, ...row } = dnsRow(db);
  const inputs = loadDnsInputs(db);
  return {
    ...row,
    domain: inputs?.domain ?? null,
    cellAddress: inputs?.cell.v4 ?? null,
    /** Queries from these networks get the internal view of the domain. */
    internalNets: inputs?.internalNets ?? [],
    applyState: configState(db, 'dns'),
  };
}

/**
 * Dynamic DNS published a new address: the external view follows it unless an admin set
 * another (an address equal to the previously published one still follows). True if it moved.
 */
export function followPublishedAddress(db: DbOrTx, previous: string | null, ip: string): boolean {
  const row = db
    .select({ publicAddress: dnsSettings.publicAddress })
    .from(dnsSettings)
    .where(eq(dnsSettings.id, 1))
    .get();
  if (!row || (row.publicAddress !== null && row.publicAddress !== previous) || row.publicAddress === ip) return false;
  db.update(dnsSettings).set({ publicAddress: ip }).where(eq(dnsSettings.id, 1)).run();
  return true;
}

export async function updateDnsSettings(db: Db, input: UpdateDnsSettings, now = runtimeOf(db).clock()) {
  const set = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  db.update(dnsSettings)
    .set({ ...set, updatedAt: now })
    .where(eq(dnsSettings.id, 1))
    .run();
  const apply = await applyDns(db);
  // What else follows the public address (the services' records at the DNS provider) hears of it.
  if (input.publicAddress !== undefined) void changed(db, ['public']);
  return { ...getDnsSettings(db), apply };
}
