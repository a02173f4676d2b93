/**
 * Writes a component's rendered files into its config folder and makes its daemon load
 * them: a signal (CoreDNS reloads on SIGUSR1) or a restart. What was written and what
 * the daemon loaded are stored, so a change made while the engine is away is applied
 * by the loop when it returns, and an unchanged config is never reloaded.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { ComponentName } from '@/lib/schemas/containers';
import type { Db } from '../db';
import { configApplies, stackComponents } from '../db/schema';
import { configDir, containerName, restart, signal, writeConfig, type Signal } from '../runtime/components';
import { EngineUnavailableError, statusOf } from '../runtime/docker';
import { logger } from '../runtime/logger';
import { readFileNoFollow } from '../runtime/fs-atomic';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { serialQueue } from '../runtime/serial';

const log = logger.child('config');

export type ConfigApply =
  { state: 'applied'; via: string } | { state: 'pending'; reason: string } | { state: 'rejected'; reason: string };

/** The daemon refused the new config; it keeps running the previous one. */
export class ConfigRejectedError extends Error {}
/** The daemon is not running: it reads the files when it starts. */
export class NotRunningError extends Error {}

export interface ConfigTarget {
  component: ComponentName;
  files: Map<string, string>;
  /**
   * How the daemon loads a change: a signal, a restart, or its own API (`load` resolves
   * with how, throws NotRunningError or ConfigRejectedError); the API needs no engine.
   */
  reload: { signal: Signal } | 'restart' | { load: () => Promise<string> };
  /** Files in the folder that match this and are no longer rendered are removed (old zones). */
  prune?: RegExp;
  /** File modes other than 0644 (secrets: 0600). */
  modes?: Record<string, number>;
}

export function filesHash(files: Map<string, string>): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) h.update(`${name}\0${files.get(name)}\0`);
  return h.digest('hex');
}

/** Every file below a folder, as paths relative to it (the folders are small). */
function filesBelow(dir: string, rel = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesBelow(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

/**
 * Only files whose content changed are rewritten; stale ones matching `prune` go. Returns
 * what the changed files held before (null: absent), so a refused config can be put back.
 */
function writeFiles(rt: Runtime, t: ConfigTarget): Map<string, string | null> {
  const dir = configDir(rt, t.component);
  const previous = new Map<string, string | null>();
  for (const [name, content] of t.files) {
    const current = readFileNoFollow(path.join(dir, name));
    if (current === content) continue;
    previous.set(name, current);
    writeConfig(rt, t.component, name, content, t.modes?.[name] ?? 0o644);
  }
  if (t.prune) {
    for (const name of filesBelow(dir)) {
      if (t.prune.test(name) && !t.files.has(name)) fs.rmSync(path.join(dir, name), { force: true });
    }
  }
  return previous;
}

/** Puts back what a refused config replaced: the daemon, restarted, comes back with what it last accepted. */
function restoreFiles(rt: Runtime, t: ConfigTarget, previous: Map<string, string | null>): void {
  const dir = configDir(rt, t.component);
  for (const [name, content] of previous) {
    if (content === null) fs.rmSync(path.join(dir, name), { force: true });
    else writeConfig(rt, t.component, name, content, t.modes?.[name] ?? 0o644);
  }
}

/** Whether the component's container runs now; a stopped or missing one reads its files when it starts. */
async function isRunning(rt: Runtime, component: ComponentName): Promise<boolean> {
  const docker = await rt.engine.client();
  try {
    const info = await docker.getContainer(containerName(component)).inspect();
    return info.State.Running;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw rt.engine.error(err);
  }
}

type Reload = { loaded: true; via: string } | { loaded: false; reason: string };

/**
 * Makes the daemon load what was written; says how. A daemon that is not running reads the
 * files when it starts: the change waits for it, and is not reported as applied.
 */
async function reload(db: Db, t: ConfigTarget, writtenBefore: boolean): Promise<Reload> {
  const name = containerName(t.component);
  const waiting: Reload = { loaded: false, reason: `${name} is not running; it reads the new config when it starts` };
  if (typeof t.reload === 'object' && 'load' in t.reload) {
    // The daemon's own API: no engine involved.
    return t.reload.load().then(
      (via): Reload => ({ loaded: true, via }),
      (err: unknown) => {
        if (err instanceof NotRunningError) return waiting;
        throw err;
      },
    );
  }
  const enabled = db
    .select({ enabled: stackComponents.enabled })
    .from(stackComponents)
    .where(eq(stackComponents.component, t.component))
    .get()?.enabled;
  if (!enabled) return { loaded: false, reason: `${name} is turned off; it reads the new config when turned on` };
  const rt = runtimeOf(db);
  if (!(await isRunning(rt, t.component))) return waiting;
  // These files were waiting for it: it read them when it started.
  if (writtenBefore) return { loaded: true, via: `read by ${name} when it started` };
  if (t.reload === 'restart') {
    await restart(rt, t.component);
    return { loaded: true, via: `restarted ${name}` };
  }
  await signal(rt, t.component, t.reload.signal);
  return { loaded: true, via: `${t.reload.signal} to ${name}` };
}

async function applyNow(db: Db, t: ConfigTarget, now: Date): Promise<ConfigApply> {
  const hash = filesHash(t.files);
  const row = db.select().from(configApplies).where(eq(configApplies.component, t.component)).get();
  const record = (set: { appliedHash?: string; appliedVia?: string; waiting?: boolean; error: string | null }) =>
    db
      .insert(configApplies)
      .values({ component: t.component, writtenHash: hash, updatedAt: now, ...set })
      .onConflictDoUpdate({ target: configApplies.component, set: { writtenHash: hash, updatedAt: now, ...set } })
      .run();
  let previous: Map<string, string | null>;
  try {
    previous = writeFiles(runtimeOf(db), t);
  } catch (err) {
    // A folder the cell cannot write safely (a planted symbolic link, a full disk): nothing is loaded.
    const reason = `could not write the config: ${err instanceof Error ? err.message : String(err)}`;
    log.error('config write failed', { component: t.component, err });
    record({ error: reason });
    return { state: 'pending', reason };
  }
  if (row?.appliedHash === hash && !row.waiting) {
    if (row.writtenHash !== hash) record({ error: null });
    return { state: 'applied', via: 'already in place' };
  }
  let done: Reload;
  try {
    done = await reload(db, t, row?.appliedHash === hash);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof ConfigRejectedError) {
      // The folder holds what the daemon runs again; the change stays pending with the daemon's reason.
      restoreFiles(runtimeOf(db), t, previous);
      record({ error: reason });
      return { state: 'rejected', reason };
    }
    record({ error: reason });
    if (!(err instanceof EngineUnavailableError)) log.error('config apply failed', { component: t.component, err });
    return { state: 'pending', reason };
  }
  // Files written for a daemon that is not running are in place; later passes only look whether it has started.
  const via = done.loaded ? done.via : done.reason;
  record({ appliedHash: hash, appliedVia: via, waiting: !done.loaded, error: null });
  return done.loaded ? { state: 'applied', via } : { state: 'pending', reason: done.reason };
}

/**
 * Render, write and load one component's config. `render` runs inside the component's
 * queue, so applies run one at a time and a burst of changes converges on the latest.
 */
export function applyConfig(
  db: Db,
  component: ComponentName,
  render: () => Omit<ConfigTarget, 'component'> | Promise<Omit<ConfigTarget, 'component'>>,
): Promise<ConfigApply> {
  return serialQueue(`config.${component}`)(async () => {
    const target = await render();
    // Counted by tests: a burst of changes must render each daemon's config once.
    log.debug('config rendered', { component });
    return applyNow(db, { component, ...target }, runtimeOf(db).clock());
  });
}

/** The stored apply state of a component, for its page. */
export function configState(db: Db, component: ComponentName) {
  const row = db.select().from(configApplies).where(eq(configApplies.component, component)).get();
  return row
    ? {
        pending: row.appliedHash !== row.writtenHash,
        /** Written for a daemon that is not running; appliedVia says so. */
        waiting: row.waiting,
        appliedVia: row.appliedVia,
        error: row.error,
        updatedAt: row.updatedAt,
      }
    : null;
}
