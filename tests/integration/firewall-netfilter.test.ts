import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEntries } from '@/server/db/schema';
import { applyFirewall, flushFirewallFiles, ruleFiles } from '@/server/managers/firewall';
import { lastFirewallApply, loadFamily, parseSave } from '@/server/managers/firewall/apply';
import { loadInputs } from '@/server/managers/firewall/state';
import { decide } from '@/server/managers/firewall/decide';
import { buildRules, type FirewallInputs, type Protocol } from '@/server/managers/firewall/model';
import { expectedCanonical, renderDelta, renderFamily } from '@/server/managers/firewall/render';
import { attempt, localBackend, type Runner } from '@/server/managers/wireguard/backend';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp, useBackend } from '../helpers/db';
import { chainsOf, chainsOfSave, meaning } from '../helpers/firewall';
import { goldenCases } from '../helpers/golden';
import { removeNamespace, requireTools, statusInNs } from '../helpers/netns';

// The rule sets go through the real iptables in namespaces of the test's own.
const ready = requireTools(
  'the firewall suite',
  ['ip', 'iptables-restore', 'ip6tables-restore', 'iptables-save', 'ping'],
  'apt-get install iptables iproute2 iputils-ping',
);
const tag = `fw${process.pid % 100000}`;
const sh = (...argv: string[]) => execFileSync('ip', argv, { stdio: 'pipe', encoding: 'utf8' });
const inNs =
  (ns: string): Runner =>
  ([cmd, ...args], input) =>
    attempt('ip', ['netns', 'exec', ns, cmd!, ...args], input);
const save = (ns: string, tool = 'iptables') => sh('netns', 'exec', ns, `${tool}-save`);
/** Every rule and chain that is not the cell's, table by table (a table the cell adds brings only built-ins). */
const outsideCell = (text: string) => {
  let table = '';
  return text
    .split('\n')
    .flatMap((l) => {
      if (l.startsWith('*')) table = l;
      if (/PIC-/.test(l) || !(l.startsWith('-A') || l.startsWith(':'))) return [];
      const builtIn = /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT/.test(l);
      return builtIn ? [] : [`${table} ${l.replace(/\[\d+:\d+\]/, '')}`];
    })
    .join('\n');
};

describe.skipIf(!ready)('the firewall on a real netfilter', () => {
  const ns = `pic-${tag}-t`;
  beforeAll(() => sh('netns', 'add', ns));
  afterAll(() => sh('netns', 'del', ns));

  it.each(goldenCases<FirewallInputs>('firewall'))(
    'iptables-restore --test accepts the golden $name',
    async ({ input }) => {
      const { v4, v6 } = buildRules(input);
      for (const [tool, rules] of [
        ['iptables', v4],
        ['ip6tables', v6],
      ] as const) {
        if (!rules) continue;
        const r = await inNs(ns)([`${tool}-restore`, '--test', '--noflush'], renderFamily(rules));
        expect(r.err).toBe('');
        expect(r.ok).toBe(true);
      }
    },
  );

  it('a delta turns what the kernel holds into the next rule set, exactly, change after change', async () => {
    const own = `${ns}-d`;
    sh('netns', 'add', own);
    const run = inNs(own);
    const base = goldenCases<FirewallInputs>('firewall').find((c) => c.name === 'groups')!.input;
    const steps: ((m: FirewallInputs) => void)[] = [
      (m) =>
        m.peers.push({ id: 9, name: 'new', addresses: ['10.0.0.9'], groups: [2], peerToPeer: null, services: null }),
      (m) => (m.peers[0]!.groups = [3]),
      (m) => (m.peers[1]!.peerToPeer = false),
      (m) => m.peers.splice(2, 1),
      (m) => m.rules.reverse(),
      (m) => m.rules.splice(1, 1),
      (m) => (m.groups[0]!.services = ['dns']),
      (m) => {
        for (let i = 0; i < 120; i++)
          m.peers.push({
            id: 100 + i,
            name: `bulk${i}`,
            addresses: [`10.0.0.${100 + i}`],
            groups: [1],
            peerToPeer: null,
            services: null,
          });
      },
      (m) => (m.peers = m.peers.filter((p) => p.id < 150)),
    ];
    let model = structuredClone(base);
    let prev = buildRules(model).v4;
    const first = await loadFamily(run, prev);
    expect(first.canonical).toBe(expectedCanonical(prev));
    for (const step of steps) {
      model = structuredClone(model);
      step(model);
      const next = buildRules(model).v4;
      const delta = renderDelta(prev, next)!;
      const r = await run(['iptables-restore', '-w', '--noflush'], delta);
      expect(r.err).toBe('');
      expect(parseSave(save(own)).canonical).toBe(expectedCanonical(next));
      prev = next;
    }
    sh('netns', 'del', own);
  });

  it('applies where the tunnel lives, hooks once, leaves foreign rules byte-identical, repairs drift and audits it', async () => {
    const { db } = freshCell();
    const runner = inNs(ns);
    // Docker's and an older cell's rules were there first.
    for (const argv of [
      ['iptables', '-N', 'DOCKER-USER'],
      ['iptables', '-A', 'DOCKER-USER', '-s', '172.17.0.0/16', '-j', 'RETURN'],
      ['iptables', '-A', 'FORWARD', '-j', 'DOCKER-USER'],
      ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '172.17.0.0/16', '-j', 'MASQUERADE'],
      ['iptables', '-N', 'PIC-WG-PEERS'],
      ['iptables', '-A', 'PIC-WG-PEERS', '-j', 'DROP'],
      ['iptables', '-I', 'FORWARD', '1', '-i', 'wgfw0', '-o', 'wgfw0', '-j', 'PIC-WG-PEERS'],
    ])
      expect((await runner(argv)).ok).toBe(true);
    const foreign = outsideCell(save(ns));
    useBackend(db, localBackend('wgfw0', { netns: ns }));
    await setUp(db);
    await admin(db).peers.create({ name: 'a', routingPolicy: 'cell', peerToPeer: true });
    // The create already loaded the rules (the change fan-out); a pass with nothing changed touches nothing.
    await settleChanges();
    expect(await applyFirewall(db)).toEqual({ state: 'applied', via: 'already in place' });
    const after = save(ns);
    expect(outsideCell(after)).toBe(foreign);
    expect(after).not.toContain('PIC-WG-PEERS');
    expect(after.match(/^-A FORWARD -i wgfw0 -j PIC-FORWARD$/gm)).toHaveLength(1);
    expect(after.split('\n').find((l) => l.startsWith('-A FORWARD'))).toBe('-A FORWARD -i wgfw0 -j PIC-FORWARD');
    expect(save(ns).match(/-A PREROUTING -i wgfw0 -j PIC-PREROUTING/g)).toHaveLength(1);
    // Someone unhooks the chain and empties one: the next pass puts it back, and says so.
    await runner(['iptables', '-D', 'FORWARD', '-i', 'wgfw0', '-j', 'PIC-FORWARD']);
    await runner(['iptables', '-F', 'PIC-P2P']);
    expect(await applyFirewall(db)).toMatchObject({
      state: 'applied',
      via: expect.stringContaining('iptables-restore'),
    });
    const repaired = save(ns);
    expect(repaired.match(/^-A FORWARD -i wgfw0 -j PIC-FORWARD$/gm)).toHaveLength(1);
    expect(repaired).toMatch(/-A PIC-P2P -d 10\.0\.0\.2\/32 .*-j ACCEPT/);
    expect(outsideCell(repaired)).toBe(foreign);
    const audit = db.select().from(auditEntries).where(eq(auditEntries.procedure, 'firewall.repair')).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatch(/changed or removed outside the cell/);
    expect((await admin(db).firewall.status()).repairReason).toMatch(/outside the cell/);
    // A change is loaded as the few commands it needs: the new peer's lines only.
    await admin(db).peers.create({ name: 'b', routingPolicy: 'cell' });
    await settleChanges();
    expect(await applyFirewall(db)).toEqual({ state: 'applied', via: 'already in place' });
    expect(save(ns)).toMatch(/-A PIC-FORWARD -s 10\.0\.0\.3\/32 .*peer b/);
    // A hook removed behind the cell's back just before a change: the next pass puts it back.
    await runner(['iptables', '-D', 'FORWARD', '-i', 'wgfw0', '-j', 'PIC-FORWARD']);
    await admin(db).peers.update({ id: (await admin(db).peers.list({})).items[1]!.id, peerToPeer: true });
    await settleChanges();
    expect(await applyFirewall(db)).toMatchObject({
      state: 'applied',
      via: expect.stringContaining('iptables-restore'),
    });
    expect(save(ns).match(/^-A FORWARD -i wgfw0 -j PIC-FORWARD$/gm)).toHaveLength(1);
    expect(save(ns)).toMatch(/-A PIC-P2P -d 10\.0\.0\.3\/32 .*-j ACCEPT/);
    expect(db.select().from(auditEntries).where(eq(auditEntries.procedure, 'firewall.repair')).all()).toHaveLength(2);
    // The counters come back from the kernel, rule by rule.
    const { rules, countersError } = await admin(db).firewall.effective();
    expect(countersError).toBeNull();
    expect(rules.filter((r) => r.chain === 'PIC-FORWARD').every((r) => r.packets === 0)).toBe(true);
    expect(parseSave(save(ns)).own.filter.chains).toContain('PIC-FORWARD');
  });

  it("a peer's create, update and removal edit only its lines, which then mean what a full load means", async () => {
    const own = `${ns}-p`;
    sh('netns', 'add', own);
    onTestFinished(() => void sh('netns', 'del', own));
    const { db } = freshCell();
    useBackend(db, localBackend('wgfw1', { netns: own }));
    await setUp(db);
    const a = admin(db);
    const family = await a.groups.create({ name: 'family', peerToPeer: true, services: ['dns'] });
    const made: { id: number }[] = [];
    for (let i = 0; i < 4; i++)
      made.push(await a.peers.create({ name: `p${i}`, routingPolicy: 'cell', groups: i % 2 ? [family.id] : [] }));
    await settleChanges();
    await applyFirewall(db);
    const changes = [
      () => a.peers.create({ name: 'new', routingPolicy: 'cell', groups: [family.id] }),
      () => a.peers.update({ id: made[0]!.id, name: 'renamed' }),
      () => a.peers.update({ id: made[1]!.id, groups: [] }),
      () => a.peers.update({ id: made[0]!.id, groups: [family.id], peerToPeer: null }),
      () => a.peers.remove({ id: made[2]!.id }),
    ];
    for (const change of changes) {
      await change();
      await settleChanges();
      expect(lastFirewallApply()).toMatchObject({ state: 'applied', via: expect.stringMatching(/\(peers\) on /) });
      const built = buildRules(loadInputs(db, 'wgfw1')!).v4;
      expect(meaning(chainsOfSave(save(own)))).toEqual(meaning(chainsOf(built)));
    }
    // The files follow; a full pass then finds the kernel as it should be.
    await flushFirewallFiles(db);
    expect(fs.readFileSync(ruleFiles(db).v4, 'utf8')).toContain('peer renamed');
    expect(await applyFirewall(db)).toMatchObject({ state: 'applied' });
    expect(db.select().from(auditEntries).where(eq(auditEntries.procedure, 'firewall.repair')).all()).toHaveLength(0);
    // A peer in settings no other peer has needs a class of its own: the whole way takes it.
    await a.peers.create({ name: 'loner', routingPolicy: 'cell', peerToPeer: true });
    await settleChanges();
    expect(lastFirewallApply()).toMatchObject({ state: 'applied', via: expect.not.stringMatching(/\(peers\)/) });
    expect(save(own)).toMatch(/-A PIC-FORWARD -s \S+ -m comment --comment "peer: peer loner" -j PIC-C\d+/);
  });
});

/**
 * A router namespace holds the rules, with the "tunnel" as a bridge named like the tunnel
 * interface; three peers and the cell network (services, a LAN host, an internet host) hang
 * off it. Every case is asked of the tester and of the kernel, which must agree.
 */
describe.skipIf(!ready)('the tester and the kernel agree', () => {
  const R = `pic-${tag}-r`;
  const CELL = `pic-${tag}-c`;
  const peersNs = { A: `pic-${tag}-a`, B: `pic-${tag}-b`, C: `pic-${tag}-k` };
  const address = { A: '10.0.0.2', B: '10.0.0.3', C: '10.0.0.4' };
  const all = [R, CELL, ...Object.values(peersNs)];
  const model: FirewallInputs = {
    iface: 'wgfw0',
    tunnel: { subnet: '10.0.0.0/24', subnet6: null, address: '10.0.0.1' },
    cellNetwork: '172.20.0.0/16',
    services: [
      {
        name: 'web',
        address: '172.20.0.2',
        ports: [
          { proto: 'tcp', port: 80 },
          { proto: 'tcp', port: 443 },
        ],
      },
      {
        name: 'dns',
        address: '172.20.0.3',
        ports: [
          { proto: 'udp', port: 53 },
          { proto: 'tcp', port: 53 },
        ],
      },
      { name: 'ntp', address: '172.20.0.4', ports: [{ proto: 'udp', port: 123 }] },
    ],
    redirects: { dns: { target: '172.20.0.3', port: 53 }, web: '172.20.0.2' },
    peers: [
      { id: 1, name: 'a', addresses: [address.A], groups: [1], peerToPeer: null, services: null },
      { id: 2, name: 'b', addresses: [address.B], groups: [1], peerToPeer: null, services: null },
      { id: 3, name: 'kid', addresses: [address.C], groups: [2], peerToPeer: null, services: null },
    ],
    groups: [
      { id: 1, name: 'family', peerToPeer: true, services: ['dns', 'ntp', 'web'] },
      { id: 2, name: 'kids', peerToPeer: false, services: ['dns'] },
    ],
    rules: [
      {
        id: 1,
        source: { kind: 'group', groupId: 2 },
        destination: { kind: 'internet' },
        protocol: 'tcp',
        ports: '22',
        action: 'deny',
        note: 'no ssh',
      },
      {
        id: 2,
        source: { kind: 'peer', peerId: 3 },
        destination: { kind: 'service', service: 'web' },
        protocol: 'tcp',
        ports: '443',
        action: 'allow',
        note: 'portal',
      },
      {
        id: 3,
        source: { kind: 'any' },
        destination: { kind: 'cidr', cidr: '192.168.77.0/24' },
        protocol: 'any',
        ports: null,
        action: 'deny',
        note: 'LAN',
      },
      {
        id: 4,
        source: { kind: 'group', groupId: 1 },
        destination: { kind: 'service', service: 'dns' },
        protocol: 'tcp',
        ports: null,
        action: 'deny',
        note: 'udp only',
      },
    ],
  };
  const INTERNET = '198.51.100.10';
  const LAN = '192.168.77.10';

  beforeAll(async () => {
    for (const n of all) {
      removeNamespace(n);
      sh('netns', 'add', n);
      sh('-n', n, 'link', 'set', 'lo', 'up');
    }
    sh('-n', R, 'link', 'add', 'wgfw0', 'type', 'bridge');
    sh('-n', R, 'addr', 'add', '10.0.0.1/24', 'dev', 'wgfw0');
    sh('-n', R, 'link', 'set', 'wgfw0', 'up');
    for (const [key, n] of Object.entries(peersNs)) {
      const a = `${tag}${key}r`.slice(0, 15);
      sh('link', 'add', a, 'netns', R, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n);
      sh('-n', R, 'link', 'set', a, 'master', 'wgfw0');
      sh('-n', R, 'link', 'set', a, 'up');
      sh('-n', n, 'addr', 'add', `${address[key as keyof typeof address]}/32`, 'dev', 'eth0');
      sh('-n', n, 'link', 'set', 'eth0', 'up');
      sh('-n', n, 'route', 'add', '10.0.0.1', 'dev', 'eth0');
      sh('-n', n, 'route', 'add', 'default', 'via', '10.0.0.1', 'dev', 'eth0');
    }
    sh('link', 'add', 'rc', 'netns', R, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CELL);
    sh('-n', R, 'addr', 'add', '172.20.0.1/16', 'dev', 'rc');
    sh('-n', R, 'link', 'set', 'rc', 'up');
    for (const a of ['172.20.0.2/16', '172.20.0.3/16', '172.20.0.4/16', '172.20.0.9/16', `${INTERNET}/32`, `${LAN}/32`])
      sh('-n', CELL, 'addr', 'add', a, 'dev', 'eth0');
    sh('-n', CELL, 'link', 'set', 'eth0', 'up');
    sh('-n', CELL, 'route', 'add', 'default', 'via', '172.20.0.1');
    sh('-n', R, 'route', 'add', `${INTERNET}/32`, 'dev', 'rc');
    sh('-n', R, 'route', 'add', `${LAN}/32`, 'dev', 'rc');
    for (const s of [
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.wgfw0.send_redirects=0',
    ])
      execFileSync('ip', ['netns', 'exec', R, 'sysctl', '-qw', s]);
    // The cell network's side answers on every port the cases use.
    const server = `
      const net = require('node:net'), dgram = require('node:dgram');
      let up = 0;
      const ready = () => ++up === 7 && require('node:fs').writeFileSync(process.argv[1], 'ready');
      for (const p of [22, 53, 80, 443, 445])
        net.createServer((s) => s.on('error', () => {}).end('hi')).listen(p, '0.0.0.0', ready);
      // Bound to the service's own address, so replies leave from the address that was asked.
      for (const [a, p] of [['172.20.0.3', 53], ['172.20.0.4', 123]]) {
        const u = dgram.createSocket('udp4');
        u.on('message', (m, r) => u.send(m, r.port, r.address));
        u.bind(p, a, ready);
      }
    `;
    const flag = path.join(os.tmpdir(), `${tag}-ready`);
    fs.rmSync(flag, { force: true });
    execFileSync('sh', ['-c', `ip netns exec ${CELL} node -e "$0" "$1" >/dev/null 2>&1 &`, server, flag]);
    for (let i = 0; i < 100 && !fs.existsSync(flag); i++) await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(flag)).toBe(true);
    const { v4 } = buildRules(model);
    await loadFamily(inNs(R), v4);
  }, 30_000);

  afterAll(() => all.forEach(removeNamespace));

  const probe = `
    const [proto, host, port] = process.argv.slice(1);
    const done = (ok) => { console.log(ok ? 'open' : 'closed'); process.exit(0); };
    setTimeout(() => done(false), 800);
    if (proto === 'tcp') require('node:net').connect(Number(port), host, () => done(true)).on('error', () => done(false));
    else { const u = require('node:dgram').createSocket('udp4'); u.on('message', () => done(true)); u.send('x', Number(port), host); }
  `;
  async function kernelSays(from: keyof typeof peersNs, dst: string, proto: Protocol, port?: number): Promise<boolean> {
    if (proto === 'icmp') return (await statusInNs(peersNs[from], ['ping', '-c1', '-W1', dst])).code === 0;
    const r = await statusInNs(peersNs[from], ['node', '-e', probe, proto, dst, String(port)]);
    return r.out.trim() === 'open';
  }

  const cases: [keyof typeof peersNs, string, Protocol, number | undefined, boolean][] = [
    ['A', '172.20.0.3', 'udp', 53, true],
    ['A', '172.20.0.3', 'tcp', 53, false],
    ['A', '172.20.0.2', 'tcp', 443, true],
    ['A', '172.20.0.2', 'tcp', 80, true],
    ['A', '172.20.0.4', 'udp', 123, true],
    ['A', '10.0.0.3', 'icmp', undefined, true],
    ['A', '10.0.0.4', 'icmp', undefined, false],
    ['C', '10.0.0.2', 'icmp', undefined, false],
    ['C', '172.20.0.3', 'udp', 53, true],
    ['C', '172.20.0.2', 'tcp', 443, true],
    ['C', '172.20.0.2', 'tcp', 80, false],
    ['C', '172.20.0.4', 'udp', 123, false],
    ['C', INTERNET, 'tcp', 22, false],
    ['C', INTERNET, 'tcp', 80, true],
    ['C', LAN, 'tcp', 80, false],
    ['A', LAN, 'tcp', 80, false],
    ['A', INTERNET, 'tcp', 22, true],
    ['B', INTERNET, 'tcp', 445, true],
    ['B', '172.20.0.9', 'tcp', 80, false],
    ['B', '172.20.0.3', 'udp', 53, true],
    ['B', '10.0.0.2', 'icmp', undefined, true],
    ['A', '10.0.0.1', 'udp', 53, true],
  ];
  it.each(cases)('%s -> %s %s/%s', async (from, dst, proto, port, expected) => {
    // DNS asked of the cell's tunnel address is redirected to cell-dns before the filter sees it.
    const filtered = dst === '10.0.0.1' ? '172.20.0.3' : dst;
    const tester = decide(buildRules(model).v4, { src: address[from], dst: filtered, proto, port });
    expect(tester.allowed).toBe(expected);
    expect(await kernelSays(from, dst, proto, port)).toBe(expected);
  });
});
