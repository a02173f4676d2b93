import { describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { applyAll, changed, outcomeValue, settleChanges, subscribe, type ChangeKind } from '@/server/runtime/changes';

/** An applier that counts its runs and what database each saw. */
function counting(
  name: string,
  on: ChangeKind[],
  opts: { fail?: boolean; settleMs?: number; periodic?: boolean } = {},
) {
  const runs: unknown[] = [];
  subscribe({
    name,
    on,
    settleMs: opts.settleMs,
    periodic: opts.periodic,
    apply: async (db) => {
      runs.push(db);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.fail) throw new Error(`${name} could not load its config`);
      return { state: 'applied', via: name };
    },
  });
  return runs;
}

process.env.PIC_LOG_STDOUT = '0';

const db = (n: number) => ({ n }) as unknown as Db;

describe('the change fan-out', () => {
  it('a burst of changes that do not wait is one run, on the database of the latest change', async () => {
    const runs = counting('burst', ['names'], { settleMs: 20 });
    for (let i = 0; i < 100; i++) expect(await changed(db(i), ['names'])).toEqual({});
    expect(runs).toHaveLength(0);
    await settleChanges();
    expect(runs).toEqual([db(99)]);
  });

  it('reaches only the appliers subscribed to a kind, each once however many of its kinds changed', async () => {
    const a = counting('a', ['cell', 'tunnel']);
    const b = counting('b', ['tunnel', 'network']);
    const c = counting('c', ['lan']);
    const out = await changed(db(1), ['cell', 'tunnel', 'network'], { wait: true });
    expect(Object.keys(out).sort()).toEqual(['a', 'b']);
    expect([a.length, b.length, c.length]).toEqual([1, 1, 0]);
    expect(outcomeValue(out.a)).toEqual({ state: 'applied', via: 'a' });
  });

  it('a change that waits runs now, and takes the place of one scheduled for later', async () => {
    const runs = counting('urgent', ['public'], { settleMs: 10_000 });
    await changed(db(1), ['public']);
    const out = await changed(db(2), ['public'], { wait: true });
    expect(outcomeValue(out.urgent)).toEqual({ state: 'applied', via: 'urgent' });
    await settleChanges();
    expect(runs).toEqual([db(2)]);
  });

  it('waiting changes in one tick share one run; those arriving during a run share the next', async () => {
    const runs = counting('queued', ['proxy']);
    await Promise.all(Array.from({ length: 10 }, (_, i) => changed(db(i), ['proxy'], { wait: true })));
    expect(runs).toEqual([db(9)]);

    const first = changed(db(10), ['proxy'], { wait: true });
    await new Promise((r) => setTimeout(r, 1));
    await Promise.all([first, ...Array.from({ length: 9 }, (_, i) => changed(db(11 + i), ['proxy'], { wait: true }))]);
    expect(runs).toEqual([db(9), db(10), db(19)]);
  });

  it('with spacing, a run that took long puts the next one a change starts without waiting that many times further', async () => {
    const starts: number[] = [];
    subscribe({
      name: 'costly',
      on: ['service-access'],
      spacing: 5,
      apply: async () => {
        starts.push(Date.now());
        // 30 ms of work on the event loop, as a render at thousands of peers.
        for (const end = performance.now() + 30; performance.now() < end;);
        return { state: 'applied' };
      },
    });
    await changed(db(1), ['service-access'], { wait: true });
    await changed(db(2), ['service-access']);
    await settleChanges();
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(5 * 30 - 2);
    // A change that waits is never held back.
    const out = await changed(db(3), ['service-access'], { wait: true });
    expect(outcomeValue(out.costly)).toEqual({ state: 'applied' });
    expect(starts).toHaveLength(3);
  });

  it('a failed apply never fails the change: it comes back as pending with its reason', async () => {
    counting('broken', ['lan'], { fail: true });
    const out = await changed(db(1), ['lan'], { wait: true });
    expect(outcomeValue(out.broken)).toEqual({ state: 'pending', reason: 'broken could not load its config' });
  });

  it('a run is told which peers its changes were about, and that anything may have changed once one did not say', async () => {
    const scopes: (number[] | null)[] = [];
    subscribe({
      name: 'scoped',
      on: ['firewall'],
      settleMs: 10,
      apply: async (_db, scope) => {
        scopes.push(scope && [...scope.peers].sort());
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const one = db(7);
    // The first run this applier makes knows nothing of what came before.
    await changed(one, ['firewall'], { peers: [1] });
    await settleChanges();
    await changed(one, ['firewall'], { peers: [3] });
    await changed(one, ['firewall'], { peers: [2, 3] });
    await settleChanges();
    await changed(one, ['firewall'], { peers: [4] });
    await changed(one, ['firewall']);
    await settleChanges();
    // Changes to another database, and the loops' pass, are whole.
    const other = db(8);
    await changed(one, ['firewall'], { peers: [5] });
    await changed(other, ['firewall'], { peers: [5] });
    await settleChanges();
    await changed(other, ['firewall'], { peers: [6] });
    await settleChanges();
    await applyAll(other);
    expect(scopes).toEqual([null, [2, 3], null, null, [6], null]);
  });

  it('a run that fails leaves the next one whole: the peers it took in were not applied', async () => {
    const scopes: (number[] | null)[] = [];
    let fail = false;
    subscribe({
      name: 'flaky',
      on: ['firewall'],
      settleMs: 10,
      apply: async (_db, scope) => {
        scopes.push(scope && [...scope.peers].sort());
        if (fail) throw new Error('iptables-restore: line 3 failed');
      },
    });
    const one = db(9);
    await changed(one, ['firewall'], { peers: [1] });
    await settleChanges();
    fail = true;
    await changed(one, ['firewall'], { peers: [2] });
    await settleChanges();
    fail = false;
    await changed(one, ['firewall'], { peers: [3] });
    await settleChanges();
    await changed(one, ['firewall'], { peers: [4] });
    await settleChanges();
    expect(scopes).toEqual([null, [2], null, [4]]);
  });

  it("the loops' pass runs every periodic applier and leaves the others to their own loop", async () => {
    const periodic = counting('periodic', []);
    const own = counting('own-loop', [], { periodic: false });
    const out = await applyAll(db(3));
    expect(out.periodic?.ok).toBe(true);
    expect(out['own-loop']).toBeUndefined();
    expect([periodic.length, own.length]).toEqual([1, 0]);
  });
});
