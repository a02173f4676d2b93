import { and, count, eq, gte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db';
import { auditEntries, users } from '../../db/schema';
import { health } from '../health';
import { getSettings } from '../settings';
import { serverStatus } from '../wireguard';
import { findServer } from '../wireguard/state';

/** What the Dashboard shows: identity, engine reachability and real counts. */
export async function dashboardSummary(db: Db, now = new Date()) {
  const since = gte(auditEntries.at, new Date(now.getTime() - 24 * 3600 * 1000));
  const usersWhere = (where: SQL) => db.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
  const auditWhere = (where?: SQL) => db.select({ n: count() }).from(auditEntries).where(where).get()?.n ?? 0;
  const status = await health(db);
  const wg = findServer(db) ? await serverStatus(db, now) : null;
  return {
    identity: getSettings(db),
    engine: status.engine,
    version: status.version,
    uptimeSeconds: status.uptimeSeconds,
    wireguard: wg && { peers: wg.peerCount, online: wg.peersOnline, interfaceUp: wg.interfaceUp, pending: wg.pending },
    counts: {
      admins: usersWhere(eq(users.role, 'admin')),
      peerAccounts: usersWhere(eq(users.role, 'peer')),
      auditEntries: auditWhere(),
      changesLast24h: auditWhere(and(since, eq(auditEntries.outcome, 'success'))),
      refusedLast24h: auditWhere(and(since, eq(auditEntries.outcome, 'refused'))),
    },
  };
}
