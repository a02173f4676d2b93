import { describe, expect, it } from 'vitest';
import {
  buildFamily,
  patchPeers,
  type BuiltFamily,
  type ChainEdit,
  type FirewallInputs,
  type FirewallPeer,
} from '@/server/managers/firewall/model';
import { renderEdits, ruleSpec } from '@/server/managers/firewall/render';
import { goldenCases } from '../../helpers/golden';
import { chainsOf, meaning, peerSteps } from '../../helpers/firewall';

const base = goldenCases<FirewallInputs>('firewall').find((c) => c.name === 'ipv6')!.input;

/** The chains as spec lines, each edit applied the way iptables applies it. */
function applied(rules: BuiltFamily, edits: ChainEdit[]): Record<string, string[]> {
  const chains = Object.fromEntries(
    rules.tables.filter.map((c) => [c.name, c.rules.map((r) => ruleSpec(r, rules.family))]),
  );
  for (const e of edits) {
    const lines = chains[e.chain]!;
    if (e.op === 'delete') lines.splice(e.at - 1, 1);
    else lines.splice(e.at - 1, e.op === 'replace' ? 1 : 0, ruleSpec(e.rule, rules.family));
  }
  return chains;
}

describe("a peer's change patched into the last build", () => {
  it('means what a new build means, and its edits turn the old chains into the new ones, step after step', () => {
    let model = structuredClone(base);
    const built = { 4: buildFamily(model, 4)!, 6: buildFamily(model, 6)! };
    for (const step of peerSteps) {
      model = structuredClone(model);
      const ids = step(model);
      const changes = new Map<number, FirewallPeer | null>(ids.map((id) => [id, null]));
      for (const p of model.peers) if (ids.includes(p.id)) changes.set(p.id, p);
      for (const family of [4, 6] as const) {
        const patch = patchPeers(built[family], changes);
        expect(patch, `step ${peerSteps.indexOf(step) + 1}, IPv${family}`).not.toBeNull();
        const rebuilt = buildFamily(model, family)!;
        expect(meaning(chainsOf(patch!.next))).toEqual(meaning(chainsOf(rebuilt)));
        const after = applied(built[family], patch!.edits);
        for (const c of patch!.next.tables.filter)
          expect(after[c.name]).toEqual(c.rules.map((r) => ruleSpec(r, family)));
        built[family] = patch!.next;
      }
    }
  });

  it('a build after the edits names each class as the edited rules do, and leaves out only classes no peer uses', () => {
    let model = structuredClone(base);
    let built = buildFamily(model, 4)!;
    for (const step of peerSteps) {
      model = structuredClone(model);
      const ids = step(model);
      built = patchPeers(built, new Map(ids.map((id) => [id, model.peers.find((p) => p.id === id) ?? null])))!.next;
    }
    const edited = chainsOf(built);
    const rebuilt = chainsOf(buildFamily(model, 4, built.placement)!);
    for (const [name, lines] of Object.entries(rebuilt)) expect(lines, name).toEqual(edited[name]);
    const used = new Set(edited['PIC-FORWARD']!.map((l) => /-j (PIC-C\d+)$/.exec(l)?.[1]));
    expect(Object.keys(edited).filter((c) => !(c in rebuilt))).toEqual(
      Object.keys(edited).filter((c) => /^PIC-C\d+$/.test(c) && !used.has(c)),
    );
    // Without the build before, classes are numbered from 0 as they come (the goldens).
    expect(Object.keys(chainsOf(buildFamily(model, 4)!)).filter((c) => /^PIC-C/.test(c))).toEqual(
      Object.keys(rebuilt)
        .filter((c) => /^PIC-C/.test(c))
        .map((_, i) => `PIC-C${i}`),
    );
  });

  it('asks for a build when a peer needs a class no peer had, or a rule of the admin names it', () => {
    const built = buildFamily(base, 4)!;
    const peer = (over: Partial<FirewallPeer>): FirewallPeer => ({
      id: 20,
      name: 'new',
      addresses: ['10.0.0.20'],
      groups: [],
      peerToPeer: null,
      services: null,
      ...over,
    });
    expect(patchPeers(built, new Map([[20, peer({ groups: [3, 1] })]]))).toBeNull();
    expect(patchPeers(built, new Map([[20, peer({ services: ['web'] })]]))).toBeNull();
    // Peer 4 is the source of a rule of its own (see the golden input).
    expect(patchPeers(built, new Map([[4, null]]))).toBeNull();
    expect(patchPeers(built, new Map([[20, peer({ groups: [2] })]]))).not.toBeNull();
  });

  it('writes its edits as one restore of the filter table, hostile names kept inside their comment', () => {
    const built = buildFamily(base, 4)!;
    const name = 'x" -j ACCEPT\n*nat\n-A PIC-FORWARD -j ACCEPT';
    const patch = patchPeers(built, new Map([[20, { ...base.peers[0]!, id: 20, name, addresses: ['10.0.0.20'] }]]))!;
    const doc = renderEdits(4, patch.edits).split('\n');
    expect(doc.filter((l) => l.startsWith('*'))).toEqual(['*filter']);
    expect(doc.filter((l) => /^-[IRD] /.test(l))).toEqual([
      expect.stringMatching(
        /^-I PIC-FORWARD 7 -s 10\.0\.0\.20\/32 -m comment --comment "peer: peer x[^"]*" -j PIC-C\d+$/,
      ),
      expect.stringMatching(/^-I PIC-P2P 3 -d 10\.0\.0\.20\/32 -m comment --comment "[^"]*" -j ACCEPT$/),
    ]);
  });
});
