import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/server/db';
import { cellTraffic, peerCounters, peerTraffic } from '@/server/db/schema';
import { cellTrafficSeries, pruneTraffic, sampleTraffic } from '@/server/managers/peers';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, callerAs, expectCode, freshCell, setUp } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
/** What `wg show dump` reports per public key: received, sent, endpoint, last handshake (s). */
let counters: Map<string, { rx: number; tx: number; endpoint?: string; handshake?: number }>;
let now: Date;

beforeEach(async () => {
  ({ db } = freshCell());
  counters = new Map();
  now = new Date('2026-12-02T10:00:05Z');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  const rec = recordingBackend();
  rec.backend.dump = async () =>
    [
      'priv\tpub\t51820\toff',
      ...[...counters].map(
        ([key, c]) =>
          `${key}\t(none)\t${c.endpoint ?? '(none)'}\t10.0.0.2/32\t${c.handshake ?? 0}\t${c.rx}\t${c.tx}\toff`,
      ),
    ].join('\n');
  bindRuntime(db, createRuntime(process.env, { wireguard: rec.backend, clock: () => now }));
  await setUp(db);
});

afterEach(() => vi.useRealTimers());

/** Moves the clock past the interface cache and takes a sample. */
async function sampleAt(iso: string) {
  now = new Date(iso);
  vi.setSystemTime(now);
  return sampleTraffic(db, now);
}

const create = (name: string) => admin(db).peers.create({ name, routingPolicy: 'cell' });
const traffic = (id: number, range: 'hour' | 'day' | 'week') => admin(db).peers.traffic({ id, range });

describe('sampling', () => {
  it('counts a new peer from zero and adds each interval to the hour, day and week', async () => {
    const peer = await create('phone');
    counters.set(peer.publicKey, { rx: 1000, tx: 4000 });
    expect(await sampleAt('2026-12-02T10:00:35Z')).toEqual({ active: 1, online: 0 });
    counters.set(peer.publicKey, { rx: 1500, tx: 4100 });
    await sampleAt('2026-12-02T10:01:05Z');

    const hour = (await traffic(peer.id, 'hour')).points;
    expect(hour).toHaveLength(120);
    expect(hour.at(-1)).toEqual({ at: new Date('2026-12-02T10:01:00Z'), rx: 500, tx: 100 });
    expect(hour.at(-2)).toEqual({ at: new Date('2026-12-02T10:00:30Z'), rx: 1000, tx: 4000 });
    expect(hour.slice(0, -2).every((p) => p.rx === 0 && p.tx === 0)).toBe(true);

    const day = (await traffic(peer.id, 'day')).points;
    expect(day).toHaveLength(288);
    expect(day.at(-1)).toEqual({ at: new Date('2026-12-02T10:00:00Z'), rx: 1500, tx: 4100 });
    const week = (await traffic(peer.id, 'week')).points;
    expect(week).toHaveLength(168);
    expect(week.at(-1)).toEqual({ at: new Date('2026-12-02T10:00:00Z'), rx: 1500, tx: 4100 });
  });

  it('takes a peer that was there before sampling began as a baseline, not as traffic', async () => {
    const peer = await create('laptop');
    db.delete(peerCounters).run();
    counters.set(peer.publicKey, { rx: 9_000_000, tx: 9_000_000 });
    expect(await sampleAt('2026-12-02T10:00:35Z')).toEqual({ active: 0, online: 0 });
    counters.set(peer.publicKey, { rx: 9_000_100, tx: 9_000_000 });
    await sampleAt('2026-12-02T10:01:05Z');
    expect((await traffic(peer.id, 'day')).points.at(-1)).toMatchObject({ rx: 100, tx: 0 });
  });

  it('counts afresh when the interface restarted and its counters went down', async () => {
    const peer = await create('tablet');
    counters.set(peer.publicKey, { rx: 5000, tx: 5000 });
    await sampleAt('2026-12-02T10:00:35Z');
    counters.set(peer.publicKey, { rx: 300, tx: 20 });
    await sampleAt('2026-12-02T10:01:05Z');
    expect((await traffic(peer.id, 'hour')).points.at(-1)).toMatchObject({ rx: 300, tx: 20 });
  });

  it('keeps the whole tunnel per interval with the most peers online at once', async () => {
    const [a, b] = [await create('a'), await create('b')];
    const handshake = Math.floor(new Date('2026-12-02T10:00:30Z').getTime() / 1000);
    counters.set(a.publicKey, { rx: 100, tx: 10, handshake });
    counters.set(b.publicKey, { rx: 200, tx: 20 });
    await sampleAt('2026-12-02T10:00:35Z');
    const day = cellTrafficSeries(db, 'day', now);
    expect(day.at(-1)).toEqual({ at: new Date('2026-12-02T10:00:00Z'), rx: 300, tx: 30, online: 1 });
  });

  it('stores nothing for a quiet interval and reads it as zero', async () => {
    const peer = await create('quiet');
    counters.set(peer.publicKey, { rx: 0, tx: 0 });
    await sampleAt('2026-12-02T10:00:35Z');
    expect(db.select().from(peerTraffic).all()).toEqual([]);
    expect((await traffic(peer.id, 'hour')).points.every((p) => p.rx === 0)).toBe(true);
  });

  it('remembers where a peer connected from, newest first', async () => {
    const peer = await create('roamer');
    counters.set(peer.publicKey, { rx: 1, tx: 1, endpoint: '198.51.100.7:40000' });
    await sampleAt('2026-12-02T10:00:35Z');
    counters.set(peer.publicKey, { rx: 2, tx: 2, endpoint: '203.0.113.9:51000' });
    await sampleAt('2026-12-02T10:01:05Z');
    const { endpoints } = await admin(db).peers.byId({ id: peer.id });
    expect(endpoints.map((e) => e.endpoint)).toEqual(['203.0.113.9:51000', '198.51.100.7:40000']);
    expect(endpoints[1]!.lastSeen).toEqual(new Date('2026-12-02T10:00:35Z'));
  });
});

describe('keeping it small', () => {
  it('drops each series past what it keeps', async () => {
    const peer = await create('old');
    counters.set(peer.publicKey, { rx: 10, tx: 10 });
    await sampleAt('2026-12-02T10:00:35Z');
    pruneTraffic(db, new Date('2026-12-02T11:00:35Z'));
    const tiers = (t: typeof peerTraffic | typeof cellTraffic) =>
      db
        .select({ tier: t.tier })
        .from(t)
        .all()
        .map((r) => r.tier)
        .sort();
    expect(tiers(peerTraffic)).toEqual([1, 2]);
    pruneTraffic(db, new Date('2026-12-03T10:00:35Z'));
    expect(tiers(peerTraffic)).toEqual([2]);
    expect(tiers(cellTraffic)).toEqual([2]);
    pruneTraffic(db, new Date('2026-12-09T11:00:35Z'));
    expect(tiers(peerTraffic)).toEqual([]);
  });

  it('goes with the peer', async () => {
    const peer = await create('gone');
    counters.set(peer.publicKey, { rx: 10, tx: 10 });
    await sampleAt('2026-12-02T10:00:35Z');
    await admin(db).peers.remove({ id: peer.id });
    expect(db.select().from(peerTraffic).all()).toEqual([]);
  });
});

describe('who may read it', () => {
  it("a peer reads its own traffic and not another's; a bad range names the field", async () => {
    const [mine, other] = [await create('mine'), await create('other')];
    await admin(db).peers.createLogin({
      peerId: mine.id,
      username: 'me',
      mode: 'password',
      password: 'my long password',
    });
    const session = { id: 2, username: 'me', role: 'peer' as const };
    expect((await callerAs(db, session).peers.traffic({ id: mine.id, range: 'hour' })).points).toHaveLength(120);
    await expectCode(callerAs(db, session).peers.traffic({ id: other.id, range: 'hour' }), 'NOT_FOUND');
    const bad = await expectCode(admin(db).peers.traffic({ id: mine.id, range: 'year' as 'hour' }), 'BAD_REQUEST');
    expect(bad.message).toContain('Choose hour, day or week');
  });
});
