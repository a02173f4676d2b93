/**
 * How much each installed service logs, set from the Logs page: the level goes into its
 * container (an environment variable or an argument, as its manifest says), so the container
 * is made again to take it. A service's data and accounts are untouched by that.
 */
import type { Db } from '../../db';
import { InvalidStateError, ValidationError } from '../../errors';
import type { LogLevel } from '../../runtime/logger';
import { serviceContainer, serviceLevels } from './model';
import { reconcileServices } from './reconcile';
import { instanceRow, instanceRows, manifestOfRow, setInstance } from './state';

export interface ServiceLevel {
  /** Its container's name: the target the Logs page sets. */
  target: string;
  instanceId: string;
  name: string;
  /** Null: the service's own default. */
  level: LogLevel | null;
  /** What it can be set to. */
  levels: LogLevel[];
}

/** The installed services whose manifests say how to set their level. */
export function serviceLogLevels(db: Db): ServiceLevel[] {
  return instanceRows(db)
    .filter((r) => r.state === 'installed')
    .flatMap((row) => {
      const manifest = manifestOfRow(row);
      const levels = serviceLevels(manifest);
      if (!levels.length) return [];
      const name = row.id === manifest.id ? manifest.name : `${manifest.name} (${row.id})`;
      return [{ target: serviceContainer(row.id), instanceId: row.id, name, level: row.logLevel, levels }];
    });
}

/** The instance a target (`cell-svc-<id>`) names, if it is one. */
export const instanceOfTarget = (target: string): string | null =>
  target.startsWith(serviceContainer('')) ? target.slice(serviceContainer('').length) : null;

/**
 * Sets an installed service's level (null: back to its own default) and makes its container
 * again with it; without an engine the change waits for the next reconcile.
 */
export async function setServiceLogLevel(db: Db, instanceId: string, level: LogLevel | null) {
  const row = instanceRow(db, instanceId);
  if (row.state !== 'installed')
    throw new InvalidStateError(`${instanceId} is ${row.state} right now: set its level once that is done`);
  const manifest = manifestOfRow(row);
  const levels = serviceLevels(manifest);
  if (!levels.length) throw new ValidationError(`${manifest.name} has no verbosity setting`, 'target');
  if (level && !levels.includes(level))
    throw new ValidationError(`${manifest.name} can be set to ${levels.join(', ')}`, 'level');
  setInstance(db, instanceId, { logLevel: level });
  const container = serviceContainer(instanceId);
  let apply: { state: 'applied' } | { state: 'pending'; reason: string };
  try {
    const { actions } = await reconcileServices(db);
    const failed = actions.find((a) => a.instance === instanceId && a.action === 'failed');
    apply = failed ? { state: 'pending', reason: failed.reason } : { state: 'applied' };
  } catch (err) {
    apply = { state: 'pending', reason: err instanceof Error ? err.message : String(err) };
  }
  return { container, apply };
}
