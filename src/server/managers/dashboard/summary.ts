/** What the Dashboard shows: identity, engine reachability and real counts, each asked of its own domain. */
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { countAccounts } from '../accounts';
import { lastVerified } from '../backup';
import { auditCounts } from '../audit';
import { configState } from '../config-apply';
import { ddnsStatus } from '../ddns';
import { countRecords } from '../dns';
import { firewallStatus } from '../firewall';
import { health } from '../health';
import { countRoutes } from '../routes';
import { getSettings } from '../settings';
import { countExpiring } from '../vault';
import { cellTrafficSeries } from '../peers';
import { findServer, serverStatus } from '../wireguard';

export async function dashboardSummary(db: Db, now = runtimeOf(db).clock()) {
  const status = await health(db, runtimeOf(db).engine);
  const wg = findServer(db) ? await serverStatus(db, now) : null;
  const audit = auditCounts(db, new Date(now.getTime() - 24 * 3600 * 1000));
  return {
    identity: getSettings(db),
    engine: status.engine,
    version: status.version,
    uptimeSeconds: status.uptimeSeconds,
    wireguard: wg && {
      peers: wg.peerCount,
      online: wg.peersOnline,
      interfaceUp: wg.interfaceUp,
      interfaceError: wg.interfaceError,
      pending: wg.pending,
    },
    /** The whole tunnel over the last 24 h in 5-minute steps: bytes in and out, peers online. */
    traffic: cellTrafficSeries(db, 'day', now),
    /** Whether each daemon runs its latest config (null: not rendered yet). */
    configs: {
      dns: configState(db, 'dns'),
      ntp: configState(db, 'ntp'),
      caddy: configState(db, 'caddy'),
      dhcp: configState(db, 'dhcp'),
    },
    ddns: ddnsStatus(db),
    /** When the newest backup that was proven restorable was checked (null: none yet). */
    backupVerifiedAt: lastVerified(db),
    firewall: firewallStatus(db),
    counts: {
      routes: countRoutes(db),
      dnsRecords: countRecords(db),
      certificatesExpiring: countExpiring(db, now),
      admins: countAccounts(db, 'admin'),
      peerAccounts: countAccounts(db, 'peer'),
      auditEntries: audit.entries,
      changesLast24h: audit.succeeded,
      refusedLast24h: audit.refused,
    },
  };
}
