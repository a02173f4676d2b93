/**
 * The change fan-out. A mutation commits, then says what changed (`changed(db, ['names'])`);
 * every daemon's applier that renders from one of those kinds runs once for all the changes
 * that arrive together. Managers declare changes; the appliers are subscribed in one place
 * (`server/appliers.ts`), so no domain calls another domain's apply.
 */
import type { Db } from '../db';
import { logger } from './logger';
import { processWide } from './process-wide';

/** What a change is about; each applier subscribes to the kinds it renders from. */
export const CHANGE_KINDS = [
  /** The name registry (peers, devices, routes, services, the cell's name). */
  'names',
  /** The cell's identity: name, domain, domain mode, provider token. */
  'cell',
  /** The tunnel's subnets and port. */
  'tunnel',
  /** `cell-network`'s subnet. */
  'network',
  /** The LAN the cell serves by DHCP, and whether it does. */
  'lan',
  /** The reverse proxy's own settings (ACME account, log level). */
  'proxy',
  /** The cell's public addresses (dynamic DNS). */
  'public',
  /** Peers, groups or rules the firewall renders from. */
  'firewall',
  /** Portal logins, or a peer enabled or disabled: who has accounts on the store's services. */
  'accounts',
  /** Who may use which store service (its routes admit only those peers). */
  'service-access',
  /** `cell-wireguard` started afresh: its interface is empty until it is loaded again. */
  'tunnel-restarted',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * What the changes a run takes in were about: only these peers (each change said so), or
 * null when any of them may have touched anything of its kinds.
 */
export type ChangeScope = { peers: ReadonlySet<number> } | null;

export interface Applier {
  /** The daemon it applies (`dns`, `caddy`): the key of its outcome. */
  name: string;
  on: readonly ChangeKind[];
  apply(db: Db, scope: ChangeScope): Promise<unknown>;
  /** A change that does not wait is applied this long after it, so a burst shares one run. */
  settleMs?: number;
  /** Runs for changes that do not wait are at least this far apart (a render's cost grows with the data). */
  minIntervalMs?: number;
  /**
   * And at least this many times the last run's length apart, for an applier whose run costs
   * more as the cell grows: with 10, it keeps to a tenth of the time however large the cell
   * gets (at 5,000 peers the firewall's full render takes 100 ms and more, and even a peer's
   * restore has iptables read back every rule).
   */
  spacing?: number;
  /** Whether the loops' periodic pass runs it too (default yes). */
  periodic?: boolean;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

interface Slot {
  applier: Applier;
  /** The database the latest change went to (tests open many). */
  db: Db | null;
  timer: NodeJS.Timeout | null;
  /** Resolves when the run the timer starts is done. */
  later: { promise: Promise<Outcome>; resolve: (o: Outcome) => void } | null;
  /** A run queued behind the one in progress: later changes join it. */
  queued: Promise<Outcome> | null;
  /** What the changes not yet taken in by a run were about (see `ChangeScope`); 'all' once one did not say. */
  pending: Set<number> | 'all';
  chain: Promise<unknown>;
  lastRun: number;
  /** How its runs went in this process: the last one's duration, and how many failed. */
  stats: ApplyStats;
}

export interface ApplyStats {
  runs: number;
  failures: number;
  lastMs: number | null;
}

const log = logger.child('changes');
const slots = processWide('changes.slots', () => new Map<string, Slot>());

/** Subscribes an applier (again: replaces the one of that name). */
export function subscribe(applier: Applier): void {
  const slot = slots.get(applier.name);
  if (slot) slot.applier = applier;
  else
    slots.set(applier.name, {
      applier,
      db: null,
      timer: null,
      later: null,
      queued: null,
      pending: 'all',
      chain: Promise.resolve(),
      lastRun: 0,
      stats: { runs: 0, failures: 0, lastMs: null },
    });
}

function run(slot: Slot): Promise<Outcome> {
  const later = slot.later;
  slot.later = null;
  if (slot.timer) clearTimeout(slot.timer);
  slot.timer = null;
  let outcome = slot.queued;
  if (!outcome) {
    outcome = slot.chain.then(async (): Promise<Outcome> => {
      slot.queued = null;
      // The run takes in every change so far: those after this point wait for the next one.
      const scope: ChangeScope = slot.pending === 'all' ? null : { peers: slot.pending };
      slot.pending = new Set();
      slot.lastRun = Date.now();
      const started = performance.now();
      slot.stats.runs++;
      try {
        return { ok: true, value: await slot.applier.apply(slot.db!, scope) };
      } catch (err) {
        // What this run took in is not applied: the next run must not take it as done.
        slot.pending = 'all';
        slot.stats.failures++;
        log.error('apply after a change failed', { applier: slot.applier.name, err });
        return { ok: false, error: err as Error };
      } finally {
        slot.stats.lastMs = performance.now() - started;
      }
    });
    slot.queued = outcome;
    slot.chain = outcome;
  }
  if (later) void outcome.then(later.resolve);
  return outcome;
}

function runLater(slot: Slot): Promise<Outcome> {
  if (slot.later) return slot.later.promise;
  let resolve!: (o: Outcome) => void;
  const promise = new Promise<Outcome>((r) => (resolve = r));
  slot.later = { promise, resolve };
  const { settleMs = 0, minIntervalMs = 0, spacing = 0 } = slot.applier;
  const interval = Math.max(minIntervalMs, spacing * (slot.stats.lastMs ?? 0));
  const wait = Math.max(settleMs, slot.lastRun + interval - Date.now());
  slot.timer = setTimeout(() => void run(slot), wait);
  slot.timer.unref?.();
  return promise;
}

/**
 * Declares what a committed change touched. Without `wait` the appliers run a moment later
 * (a burst shares one run) and the caller goes on; with it they run now, and the outcome of
 * each is returned by its name. Never fails the caller: a failed apply is logged, and the
 * loops retry what stays pending.
 */
export async function changed(
  db: Db,
  kinds: readonly ChangeKind[],
  opts: {
    wait?: boolean;
    /** The change touched these peers and nothing else of its kinds: an applier may apply just them. */
    peers?: readonly number[];
  } = {},
): Promise<Record<string, Outcome>> {
  const due = [...slots.values()].filter((s) => s.applier.on.some((k) => kinds.includes(k)));
  for (const slot of due) {
    // Another database (tests open many) has nothing in common with what the last run saw.
    if (slot.db !== db || !opts.peers) slot.pending = 'all';
    else if (slot.pending !== 'all') for (const id of opts.peers) slot.pending.add(id);
    slot.db = db;
  }
  if (!opts.wait) {
    for (const slot of due) void runLater(slot);
    return {};
  }
  const outcomes: Record<string, Outcome> = {};
  // One after another, in subscription order: appliers may share a daemon's files.
  for (const slot of due) outcomes[slot.applier.name] = await run(slot);
  return outcomes;
}

/** Each applier's runs in this process, by its name (the metrics). */
export function applyStats(): Record<string, ApplyStats> {
  return Object.fromEntries([...slots.values()].map((s) => [s.applier.name, { ...s.stats }]));
}

/** The loops' pass and the end of setup: every periodic applier, one after another. */
export async function applyAll(db: Db): Promise<Record<string, Outcome>> {
  const outcomes: Record<string, Outcome> = {};
  for (const slot of slots.values()) {
    if (slot.applier.periodic === false) continue;
    slot.db = db;
    slot.pending = 'all';
    outcomes[slot.applier.name] = await run(slot);
  }
  return outcomes;
}

/** An outcome as a mutation returns it: what the applier said, or why it could not run (it is retried). */
export function outcomeValue<T>(o: Outcome | undefined): T | { state: 'pending'; reason: string } | null {
  if (!o) return null;
  return o.ok ? (o.value as T) : { state: 'pending', reason: o.error.message };
}

/** Resolves once every run that changes scheduled so far is done (tests, and a clean stop). */
export async function settleChanges(): Promise<void> {
  for (const slot of slots.values()) {
    await slot.later?.promise;
    await slot.chain;
  }
}
