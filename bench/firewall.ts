/**
 * The firewall at size: a cell of N peers (default 1,000) in 10 groups with 50 rules of the
 * admin's own, loaded into a real netfilter in a network namespace of the bench's own
 * (root, iptables). Prints the time to build and render the rule set, the first load, a pass
 * with nothing changed, and one peer's change (its groups) from commit to kernel, with how
 * many commands each ran: one peer's change must not run a command per peer.
 *   ./node_modules/.bin/tsx bench/firewall.ts [1000]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../src/server/db';
import { applyFirewall } from '../src/server/managers/firewall';
import { lastFirewallApply } from '../src/server/managers/firewall/apply';
import { loadInputs } from '../src/server/managers/firewall/state';
import { buildRules } from '../src/server/managers/firewall/model';
import { renderFamily } from '../src/server/managers/firewall/render';
import { attempt, type Runner, type WgBackend } from '../src/server/managers/wireguard/backend';
import { createCaller } from '../src/server/routers/_app';
import { applyStats, settleChanges } from '../src/server/runtime/changes';
import { bindRuntime, createRuntime } from '../src/server/runtime/runtime';

const peersWanted = Number(process.argv[2]) || 1000;
const NS = `pic-bench-fw-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-bench-fw-'));
process.env.PIC_DATA_DIR = dir;
process.env.PIC_LOG_STDOUT = '0';
const db = openDb(path.join(dir, 'cell.db'));

let commands = 0;
const inNs: Runner = ([cmd, ...args], input) => {
  commands++;
  return attempt('ip', ['netns', 'exec', NS, cmd!, ...args], input);
};
// The tunnel's own commands are not measured here: only the firewall's.
const backend: WgBackend = {
  description: `namespace ${NS}`,
  iface: 'wg0',
  sync: async () => {},
  setPeer: async () => {},
  removePeer: async () => {},
  dump: async () => 'priv\tpub\t51820\toff\n',
  netfilter: inNs,
};
bindRuntime(
  db,
  createRuntime({ ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' }, { wireguard: backend }),
);
const admin = createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' });

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  // Appliers run on unref'd timers (a server has live sockets): keep the process up meanwhile.
  const alive = setInterval(() => undefined, 1_000);
  execFileSync('ip', ['netns', 'add', NS]);
  try {
    await admin.setup.complete({
      cellName: 'bench',
      domainMode: 'lan',
      domain: 'bench.home.arpa',
      timezone: 'UTC',
      adminUsername: 'admin',
      adminPassword: 'correct horse battery',
      services: ['dns', 'ntp', 'wireguard'],
    } as Parameters<typeof admin.setup.complete>[0]);
    await admin.wireguard.update({ subnet: '10.8.0.0/16', confirmReaddress: true });
    // An import takes at most 1,000 rows.
    for (let from = 0; from < peersWanted; from += 1000) {
      const rows = Array.from({ length: Math.min(1000, peersWanted - from) }, (_, i) => `p${from + i},cell`);
      await admin.peers.importMany({ csv: ['name,routingPolicy', ...rows].join('\n') });
    }
    const groups = [];
    for (let g = 0; g < 10; g++)
      groups.push(
        await admin.groups.create({
          name: `group-${g}`,
          peerToPeer: g % 3 === 0,
          services: g % 2 ? ['dns'] : ['dns', 'web', 'ntp'],
        }),
      );
    const peers = (await admin.peers.list({ pageSize: 100 })).total;
    // Every peer in one group, a tenth in a second one.
    const ids: number[] = [];
    for (let page = 1; ids.length < peers; page++)
      ids.push(...(await admin.peers.list({ pageSize: 100, page })).items.map((p) => p.id));
    for (const [i, id] of ids.entries())
      await admin.peers.update({
        id,
        groups: i % 10 === 0 ? [groups[i % 10]!.id, groups[(i + 1) % 10]!.id] : [groups[i % 10]!.id],
      });
    for (let r = 0; r < 50; r++) {
      const source =
        r % 4 === 0
          ? { kind: 'group' as const, groupId: groups[r % 10]!.id }
          : r % 4 === 1
            ? { kind: 'peer' as const, peerId: ids[r]! }
            : r % 4 === 2
              ? { kind: 'cidr' as const, cidr: `10.8.${r % 16}.0/24` }
              : { kind: 'any' as const };
      const destination =
        r % 3 === 0
          ? { kind: 'internet' as const }
          : r % 3 === 1
            ? { kind: 'cidr' as const, cidr: `192.168.${r}.0/24` }
            : { kind: 'service' as const, service: 'web' };
      await admin.firewall.rules.create({
        source,
        destination,
        protocol: 'tcp',
        ports: String(1000 + r),
        action: r % 2 ? 'allow' : 'deny',
        note: `rule ${r}`,
      });
    }
    await admin.firewall.confirm();
    await settleChanges();

    // Build and render, from the database.
    const renders: number[] = [];
    const parts = { read: [] as number[], build: [] as number[], render: [] as number[] };
    let lines = 0;
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      const inputs = loadInputs(db)!;
      parts.read.push(ms(t));
      const b = process.hrtime.bigint();
      const { v4, v6 } = buildRules(inputs);
      parts.build.push(ms(b));
      const r = process.hrtime.bigint();
      const text = renderFamily(v4) + (v6 ? renderFamily(v6) : '');
      parts.render.push(ms(r));
      renders.push(ms(t));
      lines = text.split('\n').filter((l) => l.startsWith('-A')).length;
    }

    // First load into an empty namespace (the rules went to the namespace already: start afresh).
    execFileSync('ip', ['netns', 'del', NS]);
    execFileSync('ip', ['netns', 'add', NS]);
    const { firewallReset } = await import('../src/server/managers/firewall');
    firewallReset();
    commands = 0;
    let t = process.hrtime.bigint();
    const first = await applyFirewall(db);
    const firstMs = ms(t);
    const firstCommands = commands;

    const idle: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = process.hrtime.bigint();
      await applyFirewall(db);
      idle.push(ms(t));
    }
    commands = 0;
    await applyFirewall(db);
    const idleCommands = commands;

    // One peer changes groups: the apply the change fan-out runs for it (its lines only, unless
    // a rule of the admin names the peer), then a full pass (what the loops run) after it.
    const changes: number[] = [];
    const changeCommands: number[] = [];
    const fulls: number[] = [];
    const vias = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const id = ids[(i * 37) % ids.length]!;
      await admin.peers.update({ id, groups: [groups[(i + 3) % 10]!.id] });
      await settleChanges();
      commands = 0;
      await admin.peers.update({ id, groups: [groups[(i + 5) % 10]!.id] });
      await settleChanges();
      // The run itself (the fan-out may hold it back a moment to gather a burst).
      changes.push(applyStats().firewall!.lastMs!);
      changeCommands.push(commands);
      const last = lastFirewallApply();
      vias.add(last?.state === 'applied' ? last.via.replace(/ on .*/, '') : String(last?.state));
      t = process.hrtime.bigint();
      await applyFirewall(db);
      fulls.push(ms(t));
    }
    const rules = Number(
      execFileSync('sh', ['-c', `ip netns exec ${NS} iptables-save | grep -c '^-A PIC-'`], { encoding: 'utf8' }).trim(),
    );

    console.log(
      `peers ${peersWanted}, groups 10, custom rules 50; ${lines} rule lines rendered, ${rules} in the kernel (IPv4)`,
    );
    console.log(
      `build + render (from the database): p50 ${median(renders).toFixed(1)} ms ` +
        `(read ${median(parts.read).toFixed(1)}, build ${median(parts.build).toFixed(1)}, render ${median(parts.render).toFixed(1)})`,
    );
    console.log(`first load: ${firstMs.toFixed(1)} ms, ${firstCommands} commands (${first.state})`);
    console.log(`pass with nothing changed: p50 ${median(idle).toFixed(1)} ms, ${idleCommands} command(s)`);
    console.log(
      `one peer's change, its apply by the fan-out: p50 ${median(changes).toFixed(1)} ms, max ${Math.max(...changes).toFixed(1)} ms, commands ${[...new Set(changeCommands)].join('/')}, via ${[...vias].join(' / ')}`,
    );
    console.log(`a full pass after such a change: p50 ${median(fulls).toFixed(1)} ms`);
  } finally {
    clearInterval(alive);
    execFileSync('ip', ['netns', 'del', NS]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
