import { runtimeOf } from '@/server/runtime/runtime';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { sampleTraffic } from '@/server/managers/peers';
import { liveStatus } from '@/server/managers/wireguard';
import { localBackend, setPeersCommands } from '@/server/managers/wireguard/backend';
import { generateKeyPair, generatePresharedKey } from '@/server/managers/wireguard/keys';
import { ExecChannel, hostShell } from '@/server/runtime/exec-channel';
import { loops } from '@/server/loops';
import { admin, freshCell, setUp, useBackend } from '../helpers/db';
import { dig, startKnot, type Knot } from '../helpers/knot';
import {
  configurePeer as configurePeerIn,
  inNs,
  makeLab,
  requireTools,
  startWireguardGo,
  statusInNs,
  type Lab,
} from '../helpers/netns';
import { settleChanges } from '@/server/runtime/changes';

const ready = requireTools(
  'the WireGuard tunnel suite',
  ['ip', 'wg', 'wg-quick', 'wireguard-go', 'ping', 'knotd', 'dig'],
  'apt-get install wireguard-tools wireguard-go iproute2 iputils-ping knot dnsutils',
);
const tag = `t${process.pid % 10000}`;
const CELL_IF = `wgc${tag}`;
const PEER_IF = `wgp${tag}`;
const DNS_ADDRESS = '172.20.0.3';

const configurePeer = (lab: Lab, config: string) => configurePeerIn(lab.peer, PEER_IF, config);

const ping = (lab: Lab, wait = 2) => statusInNs(lab.peer, ['ping', '-c', '1', '-W', String(wait), '10.0.0.1']);

/** A new handshake can take a few seconds after the cell re-adds a peer. */
async function pingsWithin(lab: Lab, seconds: number): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) if ((await ping(lab, 1)).code === 0) return true;
  return false;
}

describe.skipIf(!ready)('a real WireGuard tunnel between namespaces', () => {
  let lab: Lab;
  let db: Db;
  let dir: string;
  let knot: Knot | undefined;
  let peerId: number;

  beforeAll(async () => {
    lab = makeLab(tag);
    await startWireguardGo(lab.cell, CELL_IF);
    await inNs(lab.cell, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', CELL_IF]);
    await inNs(lab.cell, ['ip', 'link', 'set', CELL_IF, 'up']);
    await startWireguardGo(lab.peer, PEER_IF);
    // cell-dns stands at its cell-network address inside the cell's namespace.
    await inNs(lab.cell, ['ip', 'addr', 'add', `${DNS_ADDRESS}/32`, 'dev', 'lo']);
    process.env.PIC_DNS_SERVER = DNS_ADDRESS;
    ({ db, dir } = freshCell());
    useBackend(db, localBackend(CELL_IF, { netns: lab.cell }));
    await setUp(db);
    const updated = await admin(db).wireguard.update({ endpointHost: lab.cellIp, listenPort: 51999 });
    expect(updated.apply).toEqual({ state: 'applied', via: expect.any(String) });
  }, 60_000);

  afterAll(async () => {
    delete process.env.PIC_DNS_SERVER;
    await knot?.stop();
    lab?.destroy();
  });

  it('the cell interface runs the rendered server config', async () => {
    const dump = await inNs(lab.cell, ['wg', 'show', CELL_IF, 'dump']);
    const [, publicKey, port] = dump.split('\n')[0]!.split('\t');
    expect(publicKey).toBe((await admin(db).wireguard.get()).publicKey);
    expect(port).toBe('51999');
  });

  it('a peer configured from its downloaded config pings the cell through the tunnel', async () => {
    const peer = await admin(db).peers.create({ name: 'tunnel-phone', routingPolicy: 'cell' });
    expect(peer.apply).toMatchObject({ state: 'applied', via: expect.stringContaining('wg set') });
    peerId = peer.id;
    await configurePeer(lab, await admin(db).peers.config({ id: peer.id }));
    await settleChanges();
    expect(await pingsWithin(lab, 10)).toBe(true);
    const listed = (await admin(db).peers.list({})).items.find((p) => p.id === peer.id)!;
    expect(listed.online).toBe(true);
    expect(listed.endpoint).toMatch(/^192\.168\.250\.2:\d+$/);
    expect(listed.rxBytes).toBeGreaterThan(0);
    expect((await admin(db).wireguard.status()).peersOnline).toBe(1);
  }, 30_000);

  it('the traffic sampler records the bytes `wg show` counts for the peer', async () => {
    // The peer is new: the sampler counts it from zero, so its series adds up to the interface's counters.
    await new Promise((r) => setTimeout(r, 5_100)); // past the cached look at the interface
    expect(await sampleTraffic(db, new Date())).toMatchObject({ active: 1, online: 1 });
    const { live } = await liveStatus(db);
    const key = (await admin(db).peers.byId({ id: peerId })).publicKey;
    const counted = live!.peers.get(key)!;
    const points = (await admin(db).peers.traffic({ id: peerId, range: 'hour' })).points;
    const sum = (k: 'rx' | 'tx') => points.reduce((a, p) => a + p[k], 0);
    expect(counted.rxBytes).toBeGreaterThan(0);
    expect([sum('rx'), sum('tx')]).toEqual([counted.rxBytes, counted.txBytes]);
    // The interface itself, asked afresh, has counted at least that much.
    const transfer = await inNs(lab.cell, ['wg', 'show', CELL_IF, 'transfer']);
    const [, rx] = transfer
      .split('\n')
      .find((l) => l.startsWith(key))!
      .split('\t');
    expect(Number(rx)).toBeGreaterThanOrEqual(sum('rx'));
    expect((await admin(db).peers.byId({ id: peerId })).endpoints[0]!.endpoint).toMatch(/^192\.168\.250\.2:\d+$/);
  }, 30_000);

  it('the peer resolves .cell names through the tunnel: DNS on the cell address goes to cell-dns', async () => {
    const zones = path.join(dir, 'config', 'dns');
    knot = await startKnot({
      address: DNS_ADDRESS,
      port: 53,
      zones: { cell: path.join(zones, 'cell.zone') },
      netns: lab.cell,
    });
    const config = await admin(db).peers.config({ id: peerId });
    expect(config).toMatch(/^DNS = 10\.0\.0\.1$/m);
    expect(dig('10.0.0.1', 53, 'tunnel-phone.cell', 'A', lab.peer)).toEqual(['10.0.0.2']);
    expect(dig('10.0.0.1', 53, 'ntp.cell', 'A', lab.peer)).toEqual(['10.0.0.1']);
    await admin(db).peers.update({ id: peerId, name: 'renamed-phone' });
    await settleChanges();
    await knot.reload();
    await expect
      .poll(() => dig('10.0.0.1', 53, 'renamed-phone.cell', 'A', lab.peer), { timeout: 5000 })
      .toEqual(['10.0.0.2']);
  }, 30_000);

  it('disabling the peer stops the tunnel; enabling it restores it', async () => {
    await admin(db).peers.setEnabled({ id: peerId, enabled: false });
    expect((await ping(lab, 1)).code).not.toBe(0);
    expect((await ping(lab, 1)).code).not.toBe(0);
    await admin(db).peers.setEnabled({ id: peerId, enabled: true });
    expect(await pingsWithin(lab, 15)).toBe(true);
  }, 40_000);

  it('adding and removing another peer three times never drops a packet of the first', async () => {
    const count = 150;
    const flood = statusInNs(lab.peer, ['ping', '-i', '0.05', '-c', String(count), '-W', '1', '10.0.0.1']);
    for (let i = 0; i < 3; i++) {
      const other = await admin(db).peers.create({ name: `visitor-${i}`, routingPolicy: 'full' });
      expect(other.apply.state).toBe('applied');
      await new Promise((r) => setTimeout(r, 300));
      expect((await admin(db).peers.remove({ id: other.id })).apply.state).toBe('applied');
      await new Promise((r) => setTimeout(r, 300));
    }
    const { out } = await flood;
    expect(out).toMatch(new RegExp(`${count} packets transmitted, ${count} received, 0% packet loss`));
  }, 40_000);

  it('peers changed together go in at once: over the control socket, or as wg set commands with keys on descriptors', async () => {
    const backend = localBackend(CELL_IF, { netns: lab.cell });
    const peerOf = (i: number, psk: boolean) => ({
      publicKey: generateKeyPair().publicKey,
      presharedKey: psk ? generatePresharedKey() : null,
      allowedIps: [`10.0.7.${i}/32`],
    });
    const live = async () =>
      new Map(
        (await inNs(lab.cell, ['wg', 'show', CELL_IF, 'dump']))
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split('\t'))
          .map(([key, psk, , ips]) => [key!, [psk!, ips!]]),
      );
    const first = Array.from({ length: 9 }, (_, i) => peerOf(i + 1, i % 2 === 0));
    await backend.setPeers!({ remove: [], set: first });
    let now = await live();
    for (const p of first) expect(now.get(p.publicKey)).toEqual([p.presharedKey ?? '(none)', p.allowedIps[0]]);

    // As a kernel interface or cell-wireguard takes them: two commands for nine keys, none in argv.
    const then = Array.from({ length: 9 }, (_, i) => peerOf(i + 20, true));
    const commands = setPeersCommands(CELL_IF, { remove: first.map((p) => p.publicKey), set: then });
    expect(commands).toHaveLength(2);
    const shell = new ExecChannel(hostShell(['ip', 'netns', 'exec', lab.cell, 'sh'], lab.cell));
    for (const c of commands) expect(await shell.run(c.argv, undefined, c.fds)).toMatchObject({ exitCode: 0 });
    shell.close();
    now = await live();
    for (const p of first) expect(now.has(p.publicKey)).toBe(false);
    for (const p of then) expect(now.get(p.publicKey)).toEqual([p.presharedKey, p.allowedIps[0]]);
    await backend.setPeers!({ remove: then.map((p) => p.publicKey), set: [] });
    now = await live();
    expect(then.some((p) => now.has(p.publicKey))).toBe(false);
  });

  it('an interface deleted and created again empty is noticed and repaired by the next loop pass', async () => {
    await inNs(lab.cell, ['ip', 'link', 'del', CELL_IF]);
    await startWireguardGo(lab.cell, CELL_IF);
    await inNs(lab.cell, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', CELL_IF]);
    await inNs(lab.cell, ['ip', 'link', 'set', CELL_IF, 'up']);
    expect((await inNs(lab.cell, ['wg', 'show', CELL_IF, 'peers'])).trim()).toBe('');
    expect((await ping(lab, 1)).code).not.toBe(0);
    // Nothing is pending: only a comparison with the interface can see it.
    expect((await admin(db).wireguard.status()).pending).toBe(false);
    await loops.find((l) => l.name === 'wireguard-reconcile')!.run(db, runtimeOf(db));
    const dump = await inNs(lab.cell, ['wg', 'show', CELL_IF, 'dump']);
    expect(dump.split('\n')[0]!.split('\t').slice(1, 3)).toEqual([
      (await admin(db).wireguard.get()).publicKey,
      '51999',
    ]);
    expect(await pingsWithin(lab, 25)).toBe(true);
    const repair = db.select().from(auditEntries).where(eq(auditEntries.procedure, 'wireguard.repair')).all();
    expect(repair).toHaveLength(1);
    expect(repair[0]).toMatchObject({ actor: 'system', outcome: 'success' });
    expect(JSON.parse(repair[0]!.input).reason).toMatch(/another key|missing/);
    // In place again: the next pass finds nothing to repair.
    await loops.find((l) => l.name === 'wireguard-reconcile')!.run(db, runtimeOf(db));
    expect(db.select().from(auditEntries).where(eq(auditEntries.procedure, 'wireguard.repair')).all()).toHaveLength(1);
  }, 60_000);
});
