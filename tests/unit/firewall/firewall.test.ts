import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { rollbackIfDue } from '@/server/managers/firewall';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { decide } from '@/server/managers/firewall/decide';
import { buildRules, type FirewallInputs } from '@/server/managers/firewall/model';
import { renderFamily, RenderError, ruleSpec } from '@/server/managers/firewall/render';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { createCaller } from '@/server/routers/_app';
import { settleChanges } from '@/server/runtime/changes';
import { admin, callerAs, expectCode, freshCell, setUp } from '../../helpers/db';
import { goldenCases } from '../../helpers/golden';
import { recordingBackend } from '../../helpers/wireguard';

const render = (input: FirewallInputs) => {
  const { v4, v6 } = buildRules(input);
  return renderFamily(v4) + (v6 ? renderFamily(v6) : '');
};

describe('goldens', () => {
  it.each(goldenCases<FirewallInputs>('firewall'))('rules $name', async ({ input, expected }) => {
    await expect(render(input)).toMatchFileSnapshot(expected);
  });
});

const groups = goldenCases<FirewallInputs>('firewall').find((c) => c.name === 'groups')!.input;

describe('the renderer', () => {
  it('keeps hostile names and notes inside their comment: one rule per line, no quote, no new table', () => {
    const hostile = goldenCases<FirewallInputs>('firewall').find((c) => c.name === 'hostile')!.input;
    const lines = render(hostile).split('\n');
    for (const line of lines)
      expect(line).toMatch(/^(#|\*(filter|nat|mangle)$|:PIC-[A-Z0-9-]+ - \[0:0\]$|-A PIC-|COMMIT$|$)/);
    expect(lines.filter((l) => l === '*nat')).toHaveLength(1);
    for (const line of lines.filter((l) => l.includes('--comment')))
      expect(line).toMatch(/--comment "[A-Za-z0-9 _.,:()@/+=?-]*" -j /);
  });

  it('refuses values that are not what iptables expects, wherever they come from', () => {
    const bad = (patch: (m: FirewallInputs) => void) => {
      const m = structuredClone(groups);
      patch(m);
      return () => render(m);
    };
    expect(bad((m) => (m.peers[0]!.addresses = ['10.0.0.2 -j ACCEPT']))).toThrow(RenderError);
    const hooked = structuredClone(groups);
    hooked.iface = 'wg0 -j ACCEPT';
    expect(() => buildRules(hooked).v4.hooks.map((h) => ruleSpec(h.rule, 4))).toThrow(RenderError);
    expect(bad((m) => (m.rules[0]!.ports = '22;reboot'))).toThrow(RenderError);
    expect(bad((m) => (m.redirects.web = '172.20.0.2 --to 1.1.1.1'))).toThrow(RenderError);
    expect(bad((m) => (m.cellNetwork = '172.20.0.0/16\n-A FORWARD -j ACCEPT'))).toThrow(RenderError);
  });

  it('grows by one dispatch line per peer: peers sharing a policy share one chain', () => {
    const many = structuredClone(groups);
    many.peers = Array.from({ length: 500 }, (_, i) => ({
      id: i + 1,
      name: `p${i}`,
      addresses: [`10.0.${1 + Math.floor(i / 250)}.${(i % 250) + 2}`],
      groups: [1 + (i % 3)],
      peerToPeer: null,
      services: null,
    }));
    many.tunnel.subnet = '10.0.0.0/16';
    const { v4 } = buildRules(many);
    // Three groups, no group (addresses of no peer yet), and peer 4 with a rule of its own.
    expect(v4.tables.filter.filter((c) => /^PIC-C\d+$/.test(c.name))).toHaveLength(5);
    expect(v4.tables.filter.find((c) => c.name === 'PIC-FORWARD')!.rules).toHaveLength(502);
  });
});

describe('the tester walks the same chains', () => {
  const { v4 } = buildRules(groups);
  const cases: [string, string, 'tcp' | 'udp' | 'icmp', number | undefined, boolean, string][] = [
    ['10.0.0.2', '172.20.0.3', 'udp', 53, true, 'may use dns'],
    ['10.0.0.5', '172.20.0.3', 'udp', 53, true, 'may use dns'],
    ['10.0.0.5', '172.20.0.2', 'tcp', 80, false, 'the cell network beyond the services allowed'],
    ['10.0.0.5', '172.20.0.2', 'tcp', 443, true, 'rule 2: the guest may open the portal'],
    ['10.0.0.4', '1.1.1.1', 'tcp', 22, false, 'rule 1: no ssh or torrents'],
    ['10.0.0.4', '1.1.1.1', 'tcp', 6885, false, 'rule 1: no ssh or torrents'],
    ['10.0.0.4', '1.1.1.1', 'tcp', 443, true, 'the internet and other networks (the routing policy decides)'],
    ['10.0.0.4', '192.168.5.1', 'tcp', 22, true, 'the internet and other networks (the routing policy decides)'],
    ['10.0.0.2', '192.168.1.10', 'tcp', 445, false, 'rule 3: not the home LAN'],
    ['10.0.0.2', '10.0.0.3', 'icmp', undefined, true, 'peer dad allows peer-to-peer'],
    ['10.0.0.2', '10.0.0.4', 'icmp', undefined, true, 'rule 4'],
    ['10.0.0.2', '10.0.0.4', 'tcp', 22, false, 'the other peer does not allow peer-to-peer'],
    ['10.0.0.4', '10.0.0.2', 'icmp', undefined, false, 'peer-to-peer is off'],
    ['10.0.0.6', '10.0.0.2', 'icmp', undefined, false, 'peer-to-peer is off'],
    ['10.0.0.6', '1.1.1.1', 'tcp', 22, false, 'rule 1: no ssh or torrents'],
    ['10.0.0.9', '172.20.0.3', 'udp', 53, true, 'may use dns'],
  ];
  it.each(cases)('%s -> %s %s/%s: %s', (src, dst, proto, port, allowed, why) => {
    const d = decide(v4, { src, dst, proto, port });
    expect({ allowed: d.allowed, why: d.rule.why }).toEqual({ allowed, why });
  });
});

describe('groups, rules and the tester through the API', () => {
  let db: Db;
  let dir: string;
  let rec: ReturnType<typeof recordingBackend>;
  let now: Date;
  beforeEach(async () => {
    ({ db, dir } = freshCell());
    rec = recordingBackend({ rules: true });
    now = new Date();
    bindRuntime(
      db,
      createRuntime(
        { ...process.env, PIC_FIREWALL_CONFIRM_SECONDS: '60' },
        { wireguard: rec.backend, clock: () => now },
      ),
    );
    await setUp(db);
    await settleChanges();
  });

  it('a group gives its members its services and its routing policy; the peer keeps its own when set', async () => {
    const api = admin(db);
    const kids = await api.groups.create({ name: 'kids', services: ['dns'], routingPolicy: 'full' });
    // The group itself, with how the rules were applied and until when the change waits for confirmation.
    expect(kids).toMatchObject({
      id: expect.any(Number),
      name: 'kids',
      peerToPeer: false,
      services: ['dns'],
      routingPolicy: 'full',
      apply: { state: 'applied' },
      confirmBy: expect.any(Date),
    });
    const kid = await api.peers.create({ name: 'kid', groups: [kids.id] });
    expect(kid.routingPolicy).toBe('full');
    const own = await api.peers.create({
      name: 'own',
      groups: [kids.id],
      routingPolicy: 'cell',
      services: ['dns', 'web'],
    });
    expect(own.routingPolicy).toBe('cell');
    const web = { service: 'web' } as const;
    expect(await api.firewall.test({ source: { peerId: kid.id }, destination: web })).toMatchObject({
      allowed: false,
      rule: { owner: 'core', why: 'the cell network beyond the services allowed' },
    });
    expect(await api.firewall.test({ source: { peerId: own.id }, destination: web })).toMatchObject({
      allowed: true,
      rule: { owner: 'peer', why: 'may use web' },
    });
    expect(await api.firewall.test({ source: { groupId: kids.id }, destination: { service: 'dns' } })).toMatchObject({
      allowed: true,
      rule: { owner: 'group' },
    });
    const listed = await api.groups.list();
    expect(listed[0]!.members.map((m) => m.name).sort()).toEqual(['kid', 'own']);
    const detail = await api.peers.byId({ id: kid.id });
    expect(detail.groups).toEqual([kids.id]);
    // The rule file holds the whole rule set; the kernel got it whole once, then only changes.
    await settleChanges();
    const loads = rec.calls.filter((c) => c.op === 'rules').map((c) => c.text!);
    const file = fs.readFileSync(path.join(dir, 'config', 'firewall', 'rules.v4'), 'utf8');
    expect(file).toContain('-A PIC-FORWARD -s 10.0.0.2/32 -m comment --comment "peer: peer kid" -j PIC-C');
    expect(loads[0]).toContain('*filter\n:PIC-FORWARD - [0:0]');
    expect(loads.slice(1).every((l) => l.includes("changes to the cell's own chains"))).toBe(true);
    expect(loads.join('\n')).toMatch(
      /^-I PIC-FORWARD 2 -s 10\.0\.0\.2\/32 -m comment --comment "peer: peer kid" -j PIC-C\d$/m,
    );
  });

  it("an empty group is tested from a stand-in member on the subnet's last address", async () => {
    const api = admin(db);
    const guests = await api.groups.create({ name: 'guests', services: ['dns'] });
    expect(await api.firewall.test({ source: { groupId: guests.id }, destination: { service: 'web' } })).toMatchObject({
      allowed: false,
      source: '10.0.0.254',
    });
    expect(await api.firewall.test({ source: { groupId: guests.id }, destination: { service: 'dns' } })).toMatchObject({
      allowed: true,
      rule: { owner: 'group', why: 'may use dns' },
    });
  });

  it('group peer-to-peer reaches the client config: a cell-only peer routes the tunnel subnet', async () => {
    const api = admin(db);
    const family = await api.groups.create({ name: 'family', peerToPeer: true });
    const p = await api.peers.create({ name: 'mum', routingPolicy: 'cell', groups: [family.id] });
    expect(p.peerToPeer).toBeNull();
    const config = await api.peers.config({ id: p.id });
    expect(config).toMatch(/AllowedIPs = 10\.0\.0\.0\/24/);
  });

  it('bad input names the field; nothing is half-stored', async () => {
    const api = admin(db);
    let err = await expectCode(api.groups.create({ name: 'x', services: ['mail'] }), 'BAD_REQUEST');
    expect(err.message).toMatch(/mail: not a service of this cell/);
    await api.groups.create({ name: 'Family' });
    err = await expectCode(api.groups.create({ name: 'family' }), 'CONFLICT');
    expect(err.message).toMatch(/already exists/);
    err = await expectCode(
      api.firewall.rules.create({
        source: { kind: 'any' },
        destination: { kind: 'internet' },
        protocol: 'icmp',
        ports: '22',
        action: 'deny',
      }),
      'BAD_REQUEST',
    );
    expect(err.message).toMatch(/ports: Ports need the protocol tcp or udp/);
    err = await expectCode(
      api.firewall.rules.create({
        source: { kind: 'peer', peerId: 99 },
        destination: { kind: 'internet' },
        action: 'deny',
      }),
      'BAD_REQUEST',
    );
    expect(err.message).toMatch(/No peer with id 99/);
    await expectCode(api.peers.create({ name: 'p', routingPolicy: 'cell', groups: [42] }), 'BAD_REQUEST');
    expect((await api.peers.list({})).items).toHaveLength(0);
    expect(await api.firewall.rules.list()).toEqual([]);
  });

  it('rules keep their order: create at a position, move, remove renumber 1..n', async () => {
    const api = admin(db);
    const rule = (note: string, position?: number) =>
      api.firewall.rules.create({
        source: { kind: 'any' },
        destination: { kind: 'cidr', cidr: '192.168.9.0/24' },
        action: 'deny',
        note,
        position,
      });
    await rule('a');
    await rule('b');
    await rule('first', 1);
    expect((await api.firewall.rules.list()).map((r) => [r.note, r.position])).toEqual([
      ['first', 1],
      ['a', 2],
      ['b', 3],
    ]);
    const b = (await api.firewall.rules.list())[2]!;
    await api.firewall.rules.move({ id: b.id, position: 1 });
    expect((await api.firewall.rules.list()).map((r) => r.note)).toEqual(['b', 'first', 'a']);
    await api.firewall.rules.remove({ id: b.id });
    expect((await api.firewall.rules.list()).map((r) => [r.note, r.position])).toEqual([
      ['first', 1],
      ['a', 2],
    ]);
  });

  it('refuses a rule that would cut the admin, connected through the tunnel, off the web app', async () => {
    const api = admin(db);
    const me = await api.peers.create({ name: 'admin-phone', routingPolicy: 'cell' });
    const viaTunnel = createCallerAt(db, me.address);
    const err = await expectCode(
      viaTunnel.firewall.rules.create({
        source: { kind: 'any' },
        destination: { kind: 'service', service: 'web' },
        action: 'deny',
      }),
      'BAD_REQUEST',
    );
    expect(err.message).toMatch(/cut your own access to the web app.*from 10\.0\.0\.2.*rule 1/);
    expect(await api.firewall.rules.list()).toEqual([]);
    // From the LAN the same rule is the admin's choice.
    await api.firewall.rules.create({
      source: { kind: 'any' },
      destination: { kind: 'service', service: 'web' },
      action: 'deny',
    });
  });

  it('an unconfirmed change is rolled back after the window; a confirmed one stays', async () => {
    const api = admin(db);
    const g = await api.groups.create({ name: 'kids', services: ['dns'] });
    await api.firewall.confirm();
    await api.firewall.rules.create({
      source: { kind: 'group', groupId: g.id },
      destination: { kind: 'internet' },
      action: 'deny',
      note: 'no internet',
    });
    await api.groups.update({ id: g.id, services: [] });
    expect((await api.firewall.status()).confirmBy).not.toBeNull();
    // Not due yet: nothing moves.
    now = new Date(now.getTime() + 59_000);
    expect(await rollbackIfDue(db)).toBe(false);
    now = new Date(now.getTime() + 2_000);
    expect(await rollbackIfDue(db)).toBe(true);
    expect(await api.firewall.rules.list()).toEqual([]);
    expect((await api.groups.list())[0]).toMatchObject({ name: 'kids', services: ['dns'] });
    expect((await api.firewall.status()).rolledBackAt).toEqual(now);
    expect(db.select().from(auditEntries).where(eq(auditEntries.procedure, 'firewall.rollback')).all()).toHaveLength(1);
    // Confirmed within the window: it stays.
    await api.firewall.rules.create({
      source: { kind: 'any' },
      destination: { kind: 'internet' },
      protocol: 'tcp',
      ports: '25',
      action: 'deny',
    });
    expect(await api.firewall.confirm()).toEqual({ confirmed: true });
    now = new Date(now.getTime() + 120_000);
    expect(await rollbackIfDue(db)).toBe(false);
    expect(await api.firewall.rules.list()).toHaveLength(1);
  });

  it("an older cell's rule files next to wg0.conf go: the firewall owns the rules", async () => {
    const old = path.join(dir, 'config', 'wireguard', 'peers.rules');
    fs.mkdirSync(path.dirname(old), { recursive: true });
    fs.writeFileSync(old, '*filter\n:PIC-WG-PEERS - [0:0]\nCOMMIT\n');
    await flushWireguardFiles(db, { force: true });
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'config', 'wireguard', 'wg0.conf'))).toBe(true);
  });

  it('peers are refused every firewall and group procedure', async () => {
    const peer = callerAs(db, { id: 9, username: 'p', role: 'peer' });
    await expectCode(peer.groups.list(), 'FORBIDDEN');
    await expectCode(peer.firewall.effective(), 'FORBIDDEN');
    await expectCode(
      peer.firewall.test({ source: { cidr: '10.0.0.0/24' }, destination: { service: 'dns' } }),
      'FORBIDDEN',
    );
  });

  it('effective rules list every rule with its owner; the dashboard says the rules are in place', async () => {
    const api = admin(db);
    await api.peers.create({ name: 'a', routingPolicy: 'cell' });
    await settleChanges();
    expect((await api.dashboard.summary()).firewall).toMatchObject({
      apply: { state: 'applied', via: expect.stringContaining('iptables-restore') },
      confirmBy: null,
    });
    const { rules } = await api.firewall.effective();
    expect(rules.find((r) => r.chain === 'PIC-FORWARD' && r.ref?.startsWith('peer:'))).toMatchObject({
      owner: 'peer',
      why: 'peer a',
    });
    expect(rules.filter((r) => r.table === 'nat').map((r) => r.spec)).toContain(
      '-d 10.0.0.1/32 -p udp --dport 53 -j DNAT --to-destination 172.20.0.3:53',
    );
  });
});

function createCallerAt(db: Db, clientAddress: string) {
  return createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress });
}
