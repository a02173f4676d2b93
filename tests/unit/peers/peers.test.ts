import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { flushLogs } from '@/server/runtime/logger';
import type { Db } from '@/server/db';
import { auditEntries, peers, users, wireguardSettings } from '@/server/db/schema';
import { expirePeers } from '@/server/managers/peers';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { admin, callerAs, expectCode, freshCell, setUp, useBackend } from '../../helpers/db';
import { logLines } from '../../helpers/logs';
import { recordingBackend } from '../../helpers/wireguard';
import { settleChanges } from '@/server/runtime/changes';

let db: Db;
let dir: string;
let rec: ReturnType<typeof recordingBackend>;

beforeEach(async () => {
  ({ db, dir } = freshCell());
  rec = recordingBackend();
  useBackend(db, rec.backend);
  await setUp(db);
});

const fieldOf = (err: { cause?: unknown }) => (err.cause as { field?: string }).field;

const create = (name: string, extra: Record<string, unknown> = {}) =>
  admin(db).peers.create({ name, routingPolicy: 'cell', ...extra });

describe('addresses', () => {
  it('takes the lowest free address after the cell', async () => {
    const a = await create('a');
    const b = await create('b');
    await admin(db).peers.remove({ id: a.id });
    const c = await create('c');
    expect([a.address, b.address, c.address]).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.2']);
  });

  it('hands out the numbers below a peer given an address further on, then goes on past it', async () => {
    const far = await create('far', { address: '10.0.0.5' });
    const next = [];
    for (const name of ['a', 'b', 'c', 'd']) next.push((await create(name)).address);
    expect([far.address, ...next]).toEqual(['10.0.0.5', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.6']);
  });

  it('gives 50 concurrent creates 50 distinct addresses, each set on the interface by itself', async () => {
    // The first apply after start loads everything (config and rules); single-peer steps follow it.
    await admin(db).peers.remove({ id: (await create('warm-up')).id });
    rec.calls.length = 0;
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => create(`p${i}`)));
    expect(new Set(created.map((p) => p.address)).size).toBe(50);
    // Concurrent changes queue their own single-peer steps: no full reload of the interface.
    expect(created.every((p) => p.apply.state === 'applied')).toBe(true);
    expect(rec.calls.map((c) => c.op)).toEqual(Array(50).fill('set'));
    expect(new Set(rec.calls.map((c) => c.peer!.publicKey))).toEqual(new Set(created.map((p) => p.publicKey)));
    const server = db.select().from(wireguardSettings).get()!;
    expect(server.appliedRevision).toBe(server.revision);
    const rows = db.select({ h: peers.hostIndex }).from(peers).all();
    expect(new Set(rows.map((r) => r.h)).size).toBe(50);
  });

  it('changes queued behind a running apply go to the interface together, each peer once', async () => {
    const batches = recordingBackend({ batches: true });
    useBackend(db, batches.backend);
    await admin(db).peers.remove({ id: (await create('warm-up')).id });
    batches.calls.length = 0;
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => create(`p${i}`)));
    expect(created.every((p) => p.apply.state === 'applied')).toBe(true);
    const runs = batches.calls.map((c) => c.batch!);
    expect(batches.calls.every((c) => c.op === 'batch')).toBe(true);
    // The first create's apply runs alone; the rest wait behind it together.
    expect(runs.length).toBeLessThanOrEqual(3);
    expect(runs.flatMap((b) => b.set.map((p) => p.publicKey)).sort()).toEqual(created.map((p) => p.publicKey).sort());
    expect(created.some((p) => /\(\d+ changes at once\)$/.test(p.apply.state === 'applied' ? p.apply.via : ''))).toBe(
      true,
    );
    let server = db.select().from(wireguardSettings).get()!;
    expect(server.appliedRevision).toBe(server.revision);

    // Disabled and enabled again in one batch: set whole, not removed after.
    batches.calls.length = 0;
    const [a, b] = created;
    await Promise.all([
      create('holds-the-queue'),
      admin(db).peers.setEnabled({ id: a!.id, enabled: false }),
      admin(db).peers.setEnabled({ id: a!.id, enabled: true }),
      admin(db).peers.setEnabled({ id: b!.id, enabled: false }),
    ]);
    const sent = batches.calls.map((c) => c.batch!);
    expect(sent.length).toBeLessThanOrEqual(2);
    const withA = sent.find((batch) => batch.set.some((p) => p.publicKey === a!.publicKey))!;
    expect(withA.remove).not.toContain(a!.publicKey);
    expect(sent.flatMap((batch) => batch.remove)).toEqual([b!.publicKey]);
    expect(sent.flatMap((batch) => batch.set.map((p) => p.publicKey))).not.toContain(b!.publicKey);
    server = db.select().from(wireguardSettings).get()!;
    expect(server.appliedRevision).toBe(server.revision);
  });

  it('says so when the subnet is full', async () => {
    await admin(db).wireguard.update({ subnet: '10.9.0.0/29' });
    // /29: 8 addresses minus network, broadcast and the cell leave 5.
    for (let i = 0; i < 5; i++) await create(`p${i}`);
    const err = await expectCode(create('one-too-many'), 'CONFLICT');
    expect(err.message).toMatch(/10\.9\.0\.0\/29 is full: all 5 peer addresses are taken/);
    expect(db.select().from(peers).all()).toHaveLength(5);
  });

  it('checks a fixed address: inside, not the cell, not taken', async () => {
    const fixed = await create('fixed', { address: '10.0.0.200' });
    expect(fixed.address).toBe('10.0.0.200');
    const outside = await expectCode(create('x', { address: '10.0.1.5' }), 'BAD_REQUEST');
    expect(outside.message).toContain('outside the tunnel subnet 10.0.0.0/24');
    expect((await expectCode(create('x', { address: '10.0.0.1' }), 'BAD_REQUEST')).message).toContain(
      "cell's own address",
    );
    expect((await expectCode(create('x', { address: '10.0.0.255' }), 'BAD_REQUEST')).message).toContain('broadcast');
    const taken = await expectCode(create('x', { address: '10.0.0.200' }), 'CONFLICT');
    expect(taken.message).toContain('already used by peer fixed');
    expect(fieldOf(taken)).toBe('address');
  });
});

describe('validation', () => {
  it('refuses hostile and duplicate names, naming the field', async () => {
    for (const name of ['a\nb', 'x]', 'semi;colon', 'quo"te', 'brace{', '', 'a'.repeat(65)]) {
      const err = await expectCode(create(name), 'BAD_REQUEST');
      expect(err.message, JSON.stringify(name)).toMatch(/^name: /);
    }
    await create('Phone');
    expect((await expectCode(create('phone'), 'CONFLICT')).message).toBe('A peer named phone already exists');
  });

  it('needs networks for a custom policy and a future expiry', async () => {
    expect((await expectCode(create('c', { routingPolicy: 'custom' }), 'BAD_REQUEST')).message).toMatch(
      /^allowedIps: /,
    );
    expect(
      (await expectCode(create('c', { routingPolicy: 'custom', allowedIps: ['10.0.0.5/24'] }), 'BAD_REQUEST')).message,
    ).toMatch(/Host bits/);
    expect((await expectCode(create('c', { expiresAt: new Date(Date.now() - 1000) }), 'BAD_REQUEST')).message).toMatch(
      /future/,
    );
    expect(db.select().from(peers).all()).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('stores keys encrypted and never lists them', async () => {
    const p = await create('phone');
    const row = db.select().from(peers).where(eq(peers.id, p.id)).get()!;
    const config = await admin(db).peers.config({ id: p.id });
    const privateKey = /PrivateKey = (\S+)/.exec(config)![1]!;
    const psk = /PresharedKey = (\S+)/.exec(config)![1]!;
    expect(row.privateKeyEnc).not.toContain(privateKey);
    expect(row.presharedKeyEnc).not.toContain(psk);
    const listed = JSON.stringify(await admin(db).peers.list({}));
    expect(listed).not.toContain(privateKey);
    expect(listed).not.toContain(psk);
    expect(fs.readFileSync(path.join(dir, 'cell.db')).includes(Buffer.from(privateKey))).toBe(false);
  });

  it('with a brought-own key, keeps no private key and gives a placeholder', async () => {
    const publicKey = Buffer.alloc(32, 7).toString('base64');
    const p = await create('laptop', { publicKey });
    expect(p.ownKey).toBe(true);
    expect(db.select().from(peers).where(eq(peers.id, p.id)).get()!.privateKeyEnc).toBeNull();
    expect(await admin(db).peers.config({ id: p.id })).toContain('PrivateKey = PASTE_YOUR_PRIVATE_KEY_HERE');
    const err = await expectCode(admin(db).peers.rotateKeys({ id: p.id }), 'BAD_REQUEST');
    expect([err.message, fieldOf(err)]).toEqual(['laptop uses its own key pair: give its new public key', 'publicKey']);
  });
});

describe('lifecycle', () => {
  it('lists with search, sort and pages', async () => {
    for (const n of ['delta', 'alpha', 'charlie', 'bravo', 'al_pha']) await create(n);
    const page1 = await admin(db).peers.list({ sort: 'name', pageSize: 2 });
    expect(page1.total).toBe(5);
    expect(page1.items.map((p) => p.name)).toEqual(['al_pha', 'alpha']);
    const desc = await admin(db).peers.list({ sort: 'address', dir: 'desc', pageSize: 2, page: 2 });
    expect(desc.items.map((p) => p.address)).toEqual(['10.0.0.4', '10.0.0.3']);
    expect((await admin(db).peers.list({ search: 'al_' })).items.map((p) => p.name)).toEqual(['al_pha']);
    expect((await admin(db).peers.list({ search: '10.0.0.4' })).items.map((p) => p.name)).toEqual(['charlie']);
    // The total is right on a full page, the last partial page, past the end, and for a search.
    const totals = await Promise.all(
      [
        { pageSize: 5 },
        { pageSize: 2, page: 3 },
        { pageSize: 2, page: 4 },
        { search: 'a', pageSize: 2 },
        { search: 'a', pageSize: 2, page: 3 },
        { search: '%' },
      ].map(async (input) => {
        const r = await admin(db).peers.list(input);
        return [r.total, r.items.length];
      }),
    );
    expect(totals).toEqual([
      [5, 5],
      [5, 1],
      [5, 0],
      [5, 2],
      [5, 1],
      [0, 0],
    ]);
  });

  it('disables, enables, rotates and removes, telling the interface only what changed', async () => {
    const a = await create('a');
    rec.calls.length = 0;
    await admin(db).peers.setEnabled({ id: a.id, enabled: false });
    expect(rec.calls).toEqual([{ op: 'remove', publicKey: a.publicKey }]);
    await admin(db).peers.setEnabled({ id: a.id, enabled: true });
    expect(rec.calls[1]).toMatchObject({ op: 'set', peer: { publicKey: a.publicKey, allowedIps: ['10.0.0.2/32'] } });
    const rotated = await admin(db).peers.rotateKeys({ id: a.id });
    expect(rotated.publicKey).not.toBe(a.publicKey);
    expect(rec.calls.slice(2)).toMatchObject([
      { op: 'remove', publicKey: a.publicKey },
      { op: 'set', peer: { publicKey: rotated.publicKey } },
    ]);
    await admin(db).peers.remove({ id: a.id });
    expect(rec.calls.at(-1)).toEqual({ op: 'remove', publicKey: rotated.publicKey });
    await expectCode(admin(db).peers.byId({ id: a.id }), 'NOT_FOUND');
  });

  it('writes wg0.conf (0600) as a rendering of the database, coalesced after single-peer changes', async () => {
    await create('a');
    const b = await create('b');
    await admin(db).peers.setEnabled({ id: b.id, enabled: false });
    // Single-peer changes reach the interface at once; the files follow off the request path.
    await flushWireguardFiles(db);
    const file = path.join(dir, 'config', 'wireguard', 'wg0.conf');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# Peer: a (id 1)');
    expect(text).not.toContain('# Peer: b');
  });

  it('keeps the files after single-peer changes exactly as a render of the whole database writes them', async () => {
    const files = ['wg0.conf', 'wg0.sync.conf'].map((f) => path.join(dir, 'config', 'wireguard', f));
    const read = () => files.map((f) => fs.readFileSync(f, 'utf8'));
    await create('far', { address: '10.0.0.9' });
    const a = await create('a');
    await flushWireguardFiles(db, { force: true });
    // Each a single-peer change: a create below another, a rename, a move, a key, a disable, a removal.
    const b = await create('b');
    const c = await create('c');
    await admin(db).peers.update({ id: b.id, address: '10.0.0.8' });
    await admin(db).peers.rotateKeys({ id: b.id });
    await admin(db).peers.update({ id: b.id, name: 'b-renamed' });
    await admin(db).peers.setEnabled({ id: a.id, enabled: false });
    await admin(db).peers.remove({ id: c.id });
    await flushWireguardFiles(db);
    const kept = read();
    expect(kept[0]).toContain('# Peer: far (id 1)');
    expect(kept[0]).toContain('# Peer: b-renamed');
    expect(kept[0]).not.toContain('# Peer: a ');
    expect(kept[0]).not.toContain('# Peer: c');
    await flushWireguardFiles(db, { force: true });
    expect(kept).toEqual(read());
    // In address order: b moved past c, still before far.
    expect(kept[0].indexOf('# Peer: b')).toBeLessThan(kept[0].indexOf('# Peer: far'));
  });

  it('renders the files again at start even when nothing says they are behind', async () => {
    await create('a');
    await flushWireguardFiles(db);
    const file = path.join(dir, 'config', 'wireguard', 'wg0.conf');
    fs.rmSync(file);
    await flushWireguardFiles(db);
    expect(fs.existsSync(file)).toBe(false);
    await flushWireguardFiles(db, { force: true });
    expect(fs.readFileSync(file, 'utf8')).toContain('# Peer: a (id 1)');
  });

  it('keeps a change pending while the backend is unreachable, and the next apply catches up with a full sync', async () => {
    rec.setDown('no engine at /var/run/docker.sock');
    const p = await create('phone');
    expect(p.apply).toEqual({ state: 'pending', reason: 'no engine at /var/run/docker.sock' });
    expect((await admin(db).wireguard.status()).pending).toBe(true);
    rec.setDown(null);
    const q = await create('tablet');
    expect(q.apply.state).toBe('applied');
    // Two revisions behind: the applier syncs the whole config instead of one peer.
    expect(rec.calls.at(-1)!.op).toBe('sync');
    expect(rec.calls.at(-1)!.text).toContain(p.publicKey);
    expect((await admin(db).wireguard.get()).pending).toBe(false);
  });

  it('disables expired peers in the background, with an audit entry', async () => {
    const soon = new Date(Date.now() + 60_000);
    const p = await create('guest', { expiresAt: soon });
    await create('stays');
    const result = await expirePeers(db, new Date(soon.getTime() + 1));
    expect(result.expired).toEqual([{ id: p.id, name: 'guest' }]);
    const row = db.select().from(peers).where(eq(peers.id, p.id)).get()!;
    expect([row.enabled, row.disabledReason]).toEqual([false, 'expired']);
    const audit = db.select().from(auditEntries).where(eq(auditEntries.procedure, 'peers.expire')).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'system', outcome: 'success' });
    expect((await expirePeers(db, new Date(soon.getTime() + 2))).expired).toEqual([]);
  });

  it('refuses to enable an expired peer until its expiry moves', async () => {
    const soon = new Date(Date.now() + 60_000);
    const p = await create('guest', { expiresAt: soon });
    db.update(peers)
      .set({ expiresAt: new Date(Date.now() - 1000), enabled: false, disabledReason: 'expired' })
      .where(eq(peers.id, p.id))
      .run();
    expect(
      (await expectCode(admin(db).peers.setEnabled({ id: p.id, enabled: true }), 'PRECONDITION_FAILED')).message,
    ).toMatch(/expired/);
    const extended = await admin(db).peers.update({ id: p.id, expiresAt: new Date(Date.now() + 86_400_000) });
    expect([extended.enabled, extended.disabledReason]).toEqual([true, null]);
  });
});

describe('interface settings', () => {
  it('creates the server key pair at setup', async () => {
    const s = await admin(db).wireguard.get();
    expect(s.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify(s)).not.toContain(db.select().from(wireguardSettings).get()!.privateKeyEnc);
    expect([s.listenPort, s.subnet, s.cellAddress, s.endpoint]).toEqual([
      51820,
      '10.0.0.0/24',
      '10.0.0.1',
      'home.home.arpa:51820',
    ]);
  });

  it('moves peers to a new subnet only after confirmation, keeping their host numbers', async () => {
    const p = await create('phone', { address: '10.0.0.77' });
    const err = await expectCode(admin(db).wireguard.update({ subnet: '10.8.0.0/24' }), 'CONFLICT');
    expect(err.message).toMatch(/1 peer would move/);
    expect((await admin(db).wireguard.get()).subnet).toBe('10.0.0.0/24');
    await expectCode(admin(db).wireguard.update({ subnet: '10.8.0.0/26', confirmReaddress: true }), 'CONFLICT');
    await admin(db).wireguard.update({ subnet: '10.8.0.0/24', confirmReaddress: true });
    expect((await admin(db).peers.byId({ id: p.id })).address).toBe('10.8.0.77');
    expect(await admin(db).peers.config({ id: p.id })).toContain('Address = 10.8.0.77/32');
  });

  it('refuses public subnets and bad ports by field', async () => {
    expect((await expectCode(admin(db).wireguard.update({ subnet: '8.8.0.0/24' }), 'BAD_REQUEST')).message).toMatch(
      /^subnet: .*private/,
    );
    expect((await expectCode(admin(db).wireguard.update({ listenPort: 70000 }), 'BAD_REQUEST')).message).toMatch(
      /^listenPort: /,
    );
    expect((await expectCode(admin(db).wireguard.update({ subnet6: '2001:db8::/64' }), 'BAD_REQUEST')).message).toMatch(
      /^subnet6: /,
    );
  });

  it('rotates the server key: every client config gets the new public key', async () => {
    const p = await create('phone');
    const before = await admin(db).peers.config({ id: p.id });
    const { publicKey } = await admin(db).wireguard.rotateKeys();
    const after = await admin(db).peers.config({ id: p.id });
    expect(before).not.toContain(publicKey);
    expect(after).toContain(`PublicKey = ${publicKey}`);
  });
});

describe('peers and their own', () => {
  it('a peer reads only its own row and config; to it, others do not exist', async () => {
    const mine = await create('mine');
    const other = await create('other');
    const login = await admin(db).peers.createLogin({
      peerId: mine.id,
      username: 'alice',
      mode: 'password',
      password: 'alice password 1',
    });
    const alice = callerAs(db, { id: login.userId, username: 'alice', role: 'peer' });
    expect((await alice.peers.byId({ id: mine.id })).name).toBe('mine');
    expect(await alice.peers.config({ id: mine.id })).toContain('Address = 10.0.0.2/32');
    await expectCode(alice.peers.byId({ id: other.id }), 'NOT_FOUND');
    await expectCode(alice.peers.config({ id: other.id }), 'NOT_FOUND');
    await expectCode(alice.peers.qr({ id: other.id }), 'NOT_FOUND');
    await expectCode(alice.peers.setEnabled({ id: mine.id, enabled: false }), 'FORBIDDEN');
    expect((await alice.portal.overview()).peer?.name).toBe('mine');
  });

  it('renders the QR as SVG at the highest level that fits', async () => {
    const p = await create('phone');
    const qr = await admin(db).peers.qr({ id: p.id });
    expect(qr.svg.startsWith('<svg')).toBe(true);
    expect(qr.level).toBe('H');
    const long = await create('long', {
      routingPolicy: 'custom',
      allowedIps: Array.from({ length: 64 }, (_, i) => `fd00:1234:5678:${(i + 256).toString(16)}::/64`),
    });
    expect(['Q', 'M', 'L']).toContain((await admin(db).peers.qr({ id: long.id })).level);
  });

  it('removing a peer removes its portal login', async () => {
    const p = await create('phone');
    const login = await admin(db).peers.createLogin({
      peerId: p.id,
      username: 'bob',
      mode: 'password',
      password: 'bob password 12',
    });
    await admin(db).peers.remove({ id: p.id });
    expect(db.select().from(users).where(eq(users.id, login.userId)).get()).toBeUndefined();
  });
});

describe('one peer create', () => {
  it('sets that one peer on the interface and renders DNS once, a moment later', async () => {
    process.env.PIC_LOG_LEVEL = 'debug';
    try {
      const dnsRenders = async () => {
        await flushLogs();
        return logLines(path.join(dir, 'logs')).filter(
          (l) => l.includes('"config rendered"') && l.includes('"component":"dns"'),
        ).length;
      };
      await create('warm-up');
      await settleChanges();
      rec.calls.length = 0;
      const before = await dnsRenders();
      const peer = await create('just-one');
      await settleChanges();
      expect(rec.calls.map((c) => [c.op, c.peer?.publicKey])).toEqual([['set', peer.publicKey]]);
      expect((await dnsRenders()) - before).toBe(1);
    } finally {
      delete process.env.PIC_LOG_LEVEL;
    }
  });
});

describe('peer-to-peer', () => {
  it('allowing it sets the one peer and loads the firewall once, without reloading every peer', async () => {
    const rules = recordingBackend({ rules: true });
    useBackend(db, rules.backend);
    const first = await create('first');
    const a = await create('a');
    await settleChanges();
    rules.calls.length = 0;
    await admin(db).peers.update({ id: a.id, peerToPeer: true });
    await settleChanges();
    expect(rules.calls.map((c) => c.op)).toEqual(['set', 'rules']);
    // Only the change reaches the kernel: the peer's line in the peer-to-peer chain.
    const line = `-A PIC-P2P -d ${a.address}/32 -m comment --comment "peer: peer a allows peer-to-peer" -j ACCEPT`;
    expect(rules.calls[1]!.text).toContain(`-I PIC-P2P 1 ${line.slice('-A PIC-P2P '.length)}`);
    // The other peer's lines are not loaded again.
    expect(rules.calls[1]!.text).not.toContain(`${first.address}/32`);
    // The rules file holds the whole rule set.
    expect(fs.readFileSync(path.join(dir, 'config', 'firewall', 'rules.v4'), 'utf8')).toContain(line);
  });
});
