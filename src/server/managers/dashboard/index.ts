import { and, count, eq, gte, isNull, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { auditEntries, certificates, dnsRecords, routes, users } from '../../db/schema';
import { configState } from '../config-apply';
import { ddnsStatus } from '../ddns';
import { EXPIRING_WITHIN } from '../vault';
import { health } from '../health';
import { getSettings } from '../settings';
import { findServer, serverStatus } from '../wireguard';

/** What the Dashboard shows: identity, engine reachability and real counts. */
export async function dashboardSummary(db: Db, now = new Date()) {
  const since = gte(auditEntries.at, new Date(now.getTime() - 24 * 3600 * 1000));
  const usersWhere = (where: SQL) => db.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
  const auditWhere = (where?: SQL) => db.select({ n: count() }).from(auditEntries).where(where).get()?.n ?? 0;
  const status = await health(db, runtimeOf(db).engine);
  const wg = findServer(db) ? await serverStatus(db, now) : null;
  return {
    identity: getSettings(db),
    engine: status.engine,
    version: status.version,
    uptimeSeconds: status.uptimeSeconds,
    wireguard: wg && { peers: wg.peerCount, online: wg.peersOnline, interfaceUp: wg.interfaceUp, pending: wg.pending },
    /** Whether each daemon runs its latest config (null: not rendered yet). */
    configs: { dns: configState(db, 'dns'), ntp: configState(db, 'ntp'), caddy: configState(db, 'caddy') },
    ddns: ddnsStatus(db),
    counts: {
      routes: db.select({ n: count() }).from(routes).get()?.n ?? 0,
      dnsRecords: db.select({ n: count() }).from(dnsRecords).get()?.n ?? 0,
      certificatesExpiring:
        db
          .select({ n: count() })
          .from(certificates)
          .where(
            and(isNull(certificates.revokedAt), lte(certificates.notAfter, new Date(now.getTime() + EXPIRING_WITHIN))),
          )
          .get()?.n ?? 0,
      admins: usersWhere(eq(users.role, 'admin')),
      peerAccounts: usersWhere(eq(users.role, 'peer')),
      auditEntries: auditWhere(),
      changesLast24h: auditWhere(and(since, eq(auditEntries.outcome, 'success'))),
      refusedLast24h: auditWhere(and(since, eq(auditEntries.outcome, 'refused'))),
    },
  };
}
