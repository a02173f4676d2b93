/**
 * Traffic over time. Every 30 s the interface's byte counters are read; what each peer moved
 * since the last sample is added to three series at once (30 s kept an hour, 5 min kept a
 * day, 1 h kept a week), so a chart reads at most a few hundred rows and nothing is ever
 * recomputed. Intervals without traffic store nothing; the reader fills them with zeros.
 */
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { TrafficRange } from '@/lib/schemas/peers';
import type { Db } from '../../db';
import { cellTraffic, peerCounters, peerEndpoints, peers, peerTraffic } from '../../db/schema';
import { preparedQuery, sessionOf } from '../../db/prepared';
import { processWide } from '../../runtime/process-wide';
import { isOnline, liveStatus } from '../wireguard';

export const SAMPLE_INTERVAL_MS = 30_000;

/** Each range's resolution and how long it is kept, in seconds. */
export const TRAFFIC_TIERS: Record<TrafficRange, { tier: number; step: number; keep: number }> = {
  hour: { tier: 0, step: 30, keep: 3600 },
  day: { tier: 1, step: 300, keep: 86_400 },
  week: { tier: 2, step: 3600, keep: 7 * 86_400 },
};
const TIERS = Object.values(TRAFFIC_TIERS);

/** Endpoints kept per peer: the latest ones. */
const ENDPOINTS_KEPT = 10;

export interface TrafficPoint {
  at: Date;
  rx: number;
  tx: number;
}

const bucket = (seconds: number, step: number) => Math.floor(seconds / step) * step;

/** What a counter moved since the last sample; a smaller value means the interface counted afresh. */
const moved = (now: number, before: number | undefined) =>
  before === undefined ? 0 : now >= before ? now - before : now;

const p = (name: string) => sql.placeholder(name);

/** Built once per database: a sample runs these thousands of times (a few per peer). */
const statements = preparedQuery((db) => ({
  counters: db.select().from(peerCounters).prepare(),
  setCounters: db
    .insert(peerCounters)
    .values({ peerId: p('peerId'), rx: p('rx'), tx: p('tx') })
    .onConflictDoUpdate({ target: peerCounters.peerId, set: { rx: sql`excluded.rx`, tx: sql`excluded.tx` } })
    .prepare(),
  addPeer: db
    .insert(peerTraffic)
    .values({ peerId: p('peerId'), tier: p('tier'), at: p('at'), rx: p('rx'), tx: p('tx') })
    .onConflictDoUpdate({
      target: [peerTraffic.peerId, peerTraffic.tier, peerTraffic.at],
      set: { rx: sql`${peerTraffic.rx} + excluded.rx`, tx: sql`${peerTraffic.tx} + excluded.tx` },
    })
    .prepare(),
  addCell: db
    .insert(cellTraffic)
    .values({ tier: p('tier'), at: p('at'), rx: p('rx'), tx: p('tx'), online: p('online') })
    .onConflictDoUpdate({
      target: [cellTraffic.tier, cellTraffic.at],
      set: {
        rx: sql`${cellTraffic.rx} + excluded.rx`,
        tx: sql`${cellTraffic.tx} + excluded.tx`,
        online: sql`max(${cellTraffic.online}, excluded.online)`,
      },
    })
    .prepare(),
  seen: db
    .insert(peerEndpoints)
    .values({ peerId: p('peerId'), endpoint: p('endpoint'), firstSeen: p('at'), lastSeen: p('at') })
    .onConflictDoUpdate({
      target: [peerEndpoints.peerId, peerEndpoints.endpoint],
      set: { lastSeen: sql`excluded.last_seen` },
    })
    .prepare(),
}));

/** A peer still at the same endpoint is written again only this often: its last-seen time is that coarse. */
const ENDPOINT_REFRESH_MS = 5 * 60_000;
/** Per database and peer: the endpoint last written and when (a restart writes each once more). */
const endpointsWritten = processWide(
  'peers.endpoints',
  () => new WeakMap<object, Map<number, { endpoint: string; at: number }>>(),
);

/**
 * Reads the interface once and adds what each peer moved since the last sample. A peer the
 * cell had before sampling began starts from a baseline. Returns how many peers moved bytes
 * and how many are online, or null when no interface answers.
 */
export async function sampleTraffic(db: Db, now: Date): Promise<{ active: number; online: number } | null> {
  const { live } = await liveStatus(db);
  if (!live) return null;
  const seconds = Math.floor(now.getTime() / 1000);
  const q = statements(db);
  const known = db.select({ id: peers.id, publicKey: peers.publicKey }).from(peers).all();
  const counters = new Map(q.counters.all().map((c) => [c.peerId, c]));
  const totals = { active: 0, online: 0, rx: 0, tx: 0 };
  let written = endpointsWritten.get(sessionOf(db));
  if (!written) endpointsWritten.set(sessionOf(db), (written = new Map()));
  db.transaction(() => {
    for (const peer of known) {
      const state = live.peers.get(peer.publicKey);
      if (!state) continue;
      if (isOnline(state, now)) totals.online++;
      if (state.endpoint) recordEndpoint(q, written, peer.id, state.endpoint, now);
      const before = counters.get(peer.id);
      if (before?.rx === state.rxBytes && before.tx === state.txBytes) continue;
      q.setCounters.run({ peerId: peer.id, rx: state.rxBytes, tx: state.txBytes });
      const rx = moved(state.rxBytes, before?.rx);
      const tx = moved(state.txBytes, before?.tx);
      if (rx === 0 && tx === 0) continue;
      totals.active++;
      totals.rx += rx;
      totals.tx += tx;
      for (const t of TIERS) q.addPeer.run({ peerId: peer.id, tier: t.tier, at: bucket(seconds, t.step), rx, tx });
    }
    const { rx, tx, online } = totals;
    for (const t of TIERS) q.addCell.run({ tier: t.tier, at: bucket(seconds, t.step), rx, tx, online });
  });
  return { active: totals.active, online: totals.online };
}

function recordEndpoint(
  q: ReturnType<typeof statements>,
  written: Map<number, { endpoint: string; at: number }>,
  peerId: number,
  endpoint: string,
  now: Date,
): void {
  const last = written.get(peerId);
  if (last?.endpoint === endpoint && now.getTime() - last.at < ENDPOINT_REFRESH_MS) return;
  q.seen.run({ peerId, endpoint, at: now });
  written.set(peerId, { endpoint, at: now.getTime() });
}

/** Drops what is older than each series keeps, and all but the latest endpoints of each peer. */
export function pruneTraffic(db: Db, now: Date): void {
  const seconds = Math.floor(now.getTime() / 1000);
  db.transaction((tx) => {
    for (const t of TIERS) {
      const before = seconds - t.keep;
      tx.delete(peerTraffic)
        .where(and(eq(peerTraffic.tier, t.tier), lt(peerTraffic.at, before)))
        .run();
      tx.delete(cellTraffic)
        .where(and(eq(cellTraffic.tier, t.tier), lt(cellTraffic.at, before)))
        .run();
    }
    tx.run(sql`DELETE FROM peer_endpoints WHERE rowid IN (
      SELECT rowid FROM (
        SELECT rowid, row_number() OVER (PARTITION BY peer_id ORDER BY last_seen DESC) AS n FROM peer_endpoints
      ) WHERE n > ${ENDPOINTS_KEPT})`);
  });
}

/** Every interval of the range up to now, oldest first; those without a stored row are zero. */
function filled<R extends { at: number }>(
  rows: R[],
  range: TrafficRange,
  now: Date,
  zero: Omit<R, 'at'>,
): (Omit<R, 'at'> & { at: Date })[] {
  const { step, keep } = TRAFFIC_TIERS[range];
  const last = bucket(Math.floor(now.getTime() / 1000), step);
  const byAt = new Map(rows.map((r) => [r.at, r]));
  const points = [];
  for (let at = last - keep + step; at <= last; at += step) {
    const { at: _at, ...values } = byAt.get(at) ?? { ...zero, at };
    points.push({ ...(values as Omit<R, 'at'>), at: new Date(at * 1000) });
  }
  return points;
}

function since(range: TrafficRange, now: Date): number {
  const { step, keep } = TRAFFIC_TIERS[range];
  return bucket(Math.floor(now.getTime() / 1000), step) - keep + step;
}

/** One peer's bytes per interval over the range. */
export function peerTrafficSeries(db: Db, peerId: number, range: TrafficRange, now: Date): TrafficPoint[] {
  const rows = db
    .select({ at: peerTraffic.at, rx: peerTraffic.rx, tx: peerTraffic.tx })
    .from(peerTraffic)
    .where(
      and(
        eq(peerTraffic.peerId, peerId),
        eq(peerTraffic.tier, TRAFFIC_TIERS[range].tier),
        gte(peerTraffic.at, since(range, now)),
      ),
    )
    .all();
  return filled(rows, range, now, { rx: 0, tx: 0 });
}

/** The whole tunnel's bytes and peers online per interval over the range. */
export function cellTrafficSeries(db: Db, range: TrafficRange, now: Date) {
  const rows = db
    .select({ at: cellTraffic.at, rx: cellTraffic.rx, tx: cellTraffic.tx, online: cellTraffic.online })
    .from(cellTraffic)
    .where(and(eq(cellTraffic.tier, TRAFFIC_TIERS[range].tier), gte(cellTraffic.at, since(range, now))))
    .all();
  return filled(rows, range, now, { rx: 0, tx: 0, online: 0 });
}

/** A peer's latest endpoints, newest first. */
export function peerEndpointHistory(db: Db, peerId: number) {
  return db
    .select({ endpoint: peerEndpoints.endpoint, firstSeen: peerEndpoints.firstSeen, lastSeen: peerEndpoints.lastSeen })
    .from(peerEndpoints)
    .where(eq(peerEndpoints.peerId, peerId))
    .orderBy(desc(peerEndpoints.lastSeen))
    .limit(ENDPOINTS_KEPT)
    .all();
}
