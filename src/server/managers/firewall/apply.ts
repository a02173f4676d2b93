/**
 * The only code that loads packet rules. Where the tunnel's traffic flows (inside
 * `cell-wireguard`, or on the host for a local interface) it loads the cell's chains with one
 * `iptables-restore --noflush` per family and hooks them into the built-in chains exactly
 * once. A change after that is one restore of the few commands that turn the last load into
 * the new rules. Each pass reads the kernel's chains back and compares them with what was
 * loaded, so rules changed or lost behind the cell's back are put back.
 */
import path from 'node:path';
import type { Db } from '../../db';
import { writeFileAtomic } from '../../runtime/fs-atomic';
import { logger } from '../../runtime/logger';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { appendAudit } from '../audit';
import { tunnelBackend, type Runner, type WgBackend } from '../wireguard';
import type { ChangeScope } from '../../runtime/changes';
import { buildRules, patchPeers, type BuiltFamily, type FamilyRules, type FirewallPeer, type Table } from './model';
import { expectedCanonical, renderDelta, renderEdits, renderFamily, ruleSpec, type Stale } from './render';
import { parseSave, TABLES, type Saved } from './save-text';
import { loadInputs, loadPeers, updateState } from './state';

export { parseSave };

const log = logger.child('firewall');

export type FirewallApply = { state: 'applied'; via: string } | { state: 'pending'; reason: string };

const TOOLS = { 4: 'iptables', 6: 'ip6tables' } as const;

interface Loaded {
  rules: BuiltFamily;
  /** The document of these rules, rendered when first needed (a peer's change does not). */
  doc: string | null;
  /** What the kernel should print for the cell's chains (see `expectedCanonical`), likewise. */
  expected: string | null;
  /** Where the kernel's words differ from the renderer's (another iptables): the read after the load, hashed. */
  exact: string | null;
}

/** What this process last loaded, per backend and family. */
const fw = processWide('firewall.apply', () => ({
  backend: null as WgBackend | null,
  /** The database the loaded rules were built from. */
  db: null as Db | null,
  loaded: new Map<4 | 6, Loaded>(),
  /** The rule files lag a peer's change by up to `FILES_DELAY_MS`. */
  files: { stale: false, timer: null as NodeJS.Timeout | null },
  /** The outcome of the last apply, for the pages. */
  last: null as (FirewallApply & { at: Date }) | null,
}));

/** How the last apply went (null: none yet in this process). */
export const lastFirewallApply = () => fw.last;

const serially = serialQueue('firewall.apply');

const docOf = (l: Loaded) => (l.doc ??= renderFamily(l.rules));
const expectedOf = (l: Loaded) => (l.expected ??= expectedCanonical(l.rules));

/** The rule files, as the issue of record: `config/firewall/rules.v4` and `rules.v6`. */
export function ruleFiles(db: Db) {
  const dir = runtimeOf(db).paths.config('firewall');
  return { v4: path.join(dir, 'rules.v4'), v6: path.join(dir, 'rules.v6') };
}

async function must(run: Runner, argv: string[], input?: string): Promise<string> {
  const r = await run(argv, input);
  if (!r.ok) throw new Error(`${argv.slice(0, 2).join(' ')} failed: ${r.err.trim() || 'non-zero exit'}`);
  return r.out;
}

/** The hook's lines in a save: where the built-in chain jumps to the cell's chain. */
const hookLines = (saved: Saved, hook: FamilyRules['hooks'][number]) =>
  saved.own[hook.table].hooks.filter((l) => l.startsWith(`-A ${hook.chain} `) && l.endsWith(`-j ${hook.rule.target}`));

/** Puts each hook in exactly once (first in its built-in chain); true when anything had to move. */
async function fixHooks(run: Runner, rules: FamilyRules, saved: Saved): Promise<boolean> {
  const tool = TOOLS[rules.family];
  let moved = false;
  for (const hook of rules.hooks) {
    const spec = ruleSpec({ ...hook.rule, why: '' }, rules.family).split(' ');
    const present = hookLines(saved, hook);
    for (const _extra of present.slice(1)) await must(run, [tool, '-w', '-t', hook.table, '-D', hook.chain, ...spec]);
    if (!present.length) await must(run, [tool, '-w', '-t', hook.table, '-I', hook.chain, '1', ...spec]);
    moved ||= present.length !== 1;
  }
  return moved;
}

/**
 * Loads one family's document whole and makes each hook appear exactly once; `read` is the
 * kernel's state when the caller just read it. Returns the read after the load.
 */
export async function loadFamily(run: Runner, rules: FamilyRules, read?: Saved): Promise<Saved> {
  const tool = TOOLS[rules.family];
  const before = read ?? parseSave(await must(run, [`${tool}-save`]));
  const stale: Partial<Record<Table, Stale>> = {};
  for (const t of TABLES) {
    const kept = new Set(rules.tables[t].map((c) => c.name));
    const doomed = before.own[t].chains.filter((c) => !kept.has(c));
    stale[t] = { chains: doomed, hooks: before.own[t].hooks.filter((l) => doomed.some((c) => l.endsWith(`-j ${c}`))) };
  }
  // Hooks the render keeps stay where they are; those into chains that go away are removed in the same step.
  await must(run, [`${tool}-restore`, '-w', '--noflush'], renderFamily(rules, stale));
  await fixHooks(run, rules, before);
  return parseSave(await must(run, [`${tool}-save`]));
}

/** The rules from the database, each class named as in what this process loaded from it. */
function familiesOf(db: Db, iface: string) {
  const inputs = loadInputs(db, iface);
  if (!inputs) return null;
  const before = fw.db === db ? { 4: fw.loaded.get(4)?.rules.placement, 6: fw.loaded.get(6)?.rules.placement } : {};
  const { v4, v6 } = buildRules(inputs, before);
  return { inputs, families: [v4, ...(v6 ? [v6] : [])] };
}

/** The tunnel's backend; another one (a test's) starts this process's view afresh. */
function target(db: Db): WgBackend {
  const b = tunnelBackend(db);
  if (fw.backend !== b) {
    fw.backend = b;
    firewallReset();
  }
  return b;
}

/**
 * Renders the rules, writes the files and loads them where the tunnel lives, unless the
 * kernel already holds exactly what was last loaded. Rules found changed or missing there
 * are loaded again, and that repair is recorded in the audit trail.
 */
export function applyFirewall(db: Db, scope: ChangeScope = null): Promise<FirewallApply> {
  return serially(async () => {
    const result = (scope && (await applyPeers(db, scope.peers))) || (await applyNow(db));
    // A pass that found everything in place keeps what the last load said.
    if (!(result.state === 'applied' && result.via === 'already in place' && fw.last?.state === 'applied'))
      fw.last = { ...result, at: runtimeOf(db).clock() };
    return result;
  });
}

async function applyNow(db: Db): Promise<FirewallApply> {
  const backend = target(db);
  const built = familiesOf(db, backend.iface ?? 'wg0');
  if (!built) return { state: 'pending', reason: 'The tunnel is not configured yet' };
  const files = ruleFiles(db);
  const docs = new Map(built.families.map((f) => [f.family, renderFamily(f)]));
  writeFileAtomic(files.v4, docs.get(4)!, 0o600);
  writeFileAtomic(files.v6, docs.get(6) ?? '', 0o600);
  fw.files.stale = false;
  const run = backend.netfilter;
  if (!run) return { state: 'pending', reason: `${backend.description} takes no packet rules` };
  try {
    const via: string[] = [];
    let repaired: string | null = null;
    for (const rules of built.families) {
      const doc = docs.get(rules.family)!;
      const last = fw.loaded.get(rules.family);
      const tool = TOOLS[rules.family];
      let before: Saved | undefined;
      if (last && docOf(last) === doc) {
        // Nothing changed here: the pass checks the kernel still holds it.
        before = parseSave(await must(run, [`${tool}-save`]));
        if (holds(last, before)) continue;
        repaired ??= `the IPv${rules.family} rules were changed or removed outside the cell`;
      } else if (last) {
        // A change: only the commands that turn the last load into the new rules, then a read
        // to see the kernel holds them (hooks included).
        const delta = renderDelta(last.rules, rules);
        const done = delta !== null && (await run([`${tool}-restore`, '-w', '--noflush'], delta)).ok;
        if (done) {
          const after = parseSave(await must(run, [`${tool}-save`]));
          // Where this iptables prints rules in its own words, the new reading is the reference.
          const loaded = { rules, doc, expected: null, exact: last.exact && after.fingerprint };
          if (holds(loaded, after)) {
            fw.loaded.set(rules.family, loaded);
            via.push(`${tool}-restore (changes)`);
            continue;
          }
          repaired ??= `the IPv${rules.family} rules were changed or removed outside the cell`;
          before = after;
        }
        // The kernel is not what was loaded (or the hooks move): load it whole.
      }
      const saved = await loadFamily(run, rules, before);
      const expected = expectedCanonical(rules);
      if (saved.canonical !== expected)
        log.warn('this iptables prints the rules in other words: drift is measured on its own reading', {
          family: rules.family,
        });
      fw.loaded.set(rules.family, {
        rules,
        doc,
        expected,
        exact: saved.canonical === expected ? null : saved.fingerprint,
      });
      via.push(`${tool}-restore`);
    }
    fw.db = db;
    if (repaired) recordRepair(db, repaired);
    return { state: 'applied', via: via.length ? `${via.join(', ')} on ${backend.description}` : 'already in place' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    log.warn('could not load the firewall rules', { reason, backend: backend.description });
    firewallReset();
    return { state: 'pending', reason };
  }
}

/**
 * Some peers' change, when the kernel holds what this process loaded: only their lines in
 * the forward and peer-to-peer chains are edited, with one restore per family, and the rule
 * files follow a moment later. Null when the whole way is needed (see `patchPeers`).
 */
async function applyPeers(db: Db, ids: ReadonlySet<number>): Promise<FirewallApply | null> {
  const backend = target(db);
  const run = backend.netfilter;
  if (!run || fw.db !== db || !fw.loaded.size || [...fw.loaded.values()].some((l) => l.exact)) return null;
  const changes = new Map<number, FirewallPeer | null>([...ids].map((id) => [id, null]));
  for (const peer of loadPeers(db, [...ids])) changes.set(peer.id, peer);
  const patched: { family: 4 | 6; next: BuiltFamily; doc: string | null }[] = [];
  for (const [family, last] of fw.loaded) {
    const patch = patchPeers(last.rules, changes);
    if (!patch) return null;
    patched.push({ family, next: patch.next, doc: patch.edits.length ? renderEdits(family, patch.edits) : null });
  }
  try {
    for (const { family, doc } of patched)
      if (doc) await must(run, [`${TOOLS[family]}-restore`, '-w', '--noflush'], doc);
  } catch (err) {
    // The kernel is not what was loaded: the whole way loads it again.
    log.warn('a peer change did not load: loading every rule', { reason: err instanceof Error ? err.message : err });
    firewallReset();
    return null;
  }
  for (const { family, next } of patched)
    fw.loaded.set(family, { rules: next, doc: null, expected: null, exact: null });
  scheduleFiles(db);
  const tools = patched.filter((p) => p.doc).map((p) => `${TOOLS[p.family]}-restore`);
  return {
    state: 'applied',
    via: tools.length ? `${tools.join(', ')} (peers) on ${backend.description}` : 'already in place',
  };
}

/** A burst of peer changes writes the rule files once a second at most (their render grows with the peers). */
const FILES_DELAY_MS = 1_000;

function scheduleFiles(db: Db): void {
  fw.files.stale = true;
  if (fw.files.timer) return;
  fw.files.timer = setTimeout(() => {
    fw.files.timer = null;
    void flushFirewallFiles(db).catch((err) => log.error('could not write the firewall rule files', { err }));
  }, FILES_DELAY_MS);
  fw.files.timer.unref?.();
}

/** Writes the rule files now if a peer's change left them behind (tests; the timer does it a second later). */
export function flushFirewallFiles(db: Db): Promise<void> {
  return serially(async () => {
    const [v4, v6] = [fw.loaded.get(4), fw.loaded.get(6)];
    if (!fw.files.stale || !v4) return;
    const files = ruleFiles(db);
    writeFileAtomic(files.v4, docOf(v4), 0o600);
    writeFileAtomic(files.v6, v6 ? docOf(v6) : '', 0o600);
    fw.files.stale = false;
  });
}

function recordRepair(db: Db, reason: string): void {
  const at = runtimeOf(db).clock();
  log.warn('firewall rules repaired', { reason });
  updateState(db, { repairedAt: at, repairReason: reason });
  appendAudit(db, {
    actor: 'system',
    actorRole: 'system',
    procedure: 'firewall.repair',
    input: { reason },
    outcome: 'success',
    detail: reason,
  });
}

/** Whether the kernel still holds what was loaded. */
const holds = (last: Loaded, live: Saved) =>
  last.exact ? live.fingerprint === last.exact : live.canonical === expectedOf(last);

/** A new `cell-wireguard` holds no rules: the next apply loads everything. */
export function firewallReset(): void {
  fw.loaded.clear();
}

export { familiesOf, target as firewallBackend, TOOLS };
