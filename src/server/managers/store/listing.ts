/** What the Services page reads: the catalogue with install state, installed instances, operations. */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { routes, storeOperations } from '../../db/schema';
import { runtimeOf } from '../../runtime/runtime';
import { namesOf, serviceOwner } from '../names';
import { compareVersions, manifests, refreshIndex } from './catalogue';
import { storeContainers, type StoreContainer } from './engine';
import { imageFor } from './install';
import { isSealed, serviceContainer } from './model';
import { addressOf, instanceRows, manifestOfRow, operationRow } from './state';

export async function listCatalogue(db: Db, opts: { refresh?: boolean } = {}) {
  const index = await refreshIndex(db, { force: opts.refresh });
  const rows = instanceRows(db);
  const entries = [...(await manifests(db)).values()].map((m) => {
    const mine = rows.filter((r) => r.manifestId === m.id);
    let image: string | null = null;
    try {
      image = imageFor(m);
    } catch {
      image = null;
    }
    return {
      id: m.id,
      name: m.name,
      version: m.version,
      description: m.description,
      category: m.category,
      icon: m.icon,
      image,
      instanceable: m.instanceable,
      requires: m.requires,
      /** The install form: every question but the secrets the cell makes. */
      questions: m.env.filter((q) => q.type !== 'secret'),
      ports: m.ports,
      routes: m.routes,
      installed: mine.map((r) => r.id),
      updateAvailable: mine.some((r) => compareVersions(m.version, r.version) > 0),
    };
  });
  return {
    index,
    entries: entries.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name)),
  };
}

/** Installed instances with what they hold (names, routes, ports) and, when the engine answers, their container. */
export async function listInstalled(db: Db) {
  let containers: Map<string, StoreContainer> | null = null;
  const engine = runtimeOf(db).engine;
  if ((await engine.status()).reachable)
    containers = new Map((await storeContainers(await engine.client())).map((c) => [c.name, c]));
  const catalogue = await manifests(db);
  return instanceRows(db).map((row) => {
    const manifest = manifestOfRow(row);
    const offered = catalogue.get(row.manifestId);
    const c = containers?.get(serviceContainer(row.id));
    // What the install form was answered, named as it asked (never a sealed one).
    const answers = manifest.env
      .filter((q) => !isSealed(q) && row.answers[q.name] !== undefined)
      .map((q) => ({ name: q.name, label: q.label, value: row.answers[q.name]! }));
    return {
      id: row.id,
      manifestId: row.manifestId,
      name: manifest.name,
      version: row.version,
      image: row.image,
      state: row.state,
      address: addressOf(db, row.hostIndex),
      names: namesOf(db, serviceOwner(row.id)).map((l) => `${l}.cell`),
      routes: db
        .select({ host: routes.host, path: routes.path, upstream: routes.upstream, access: routes.access })
        .from(routes)
        .where(eq(routes.service, row.id))
        .all(),
      ports: manifest.ports,
      /** Whether the cell makes peers' accounts on it. */
      accounts: manifest.accounts !== undefined,
      /** Whether it has addresses that deliver to accounts (mail's aliases). */
      aliases: manifest.accounts?.kind === 'exec' && manifest.accounts.aliases !== undefined,
      answers,
      container:
        containers === null ? null : c ? { running: c.running, id: c.id.slice(0, 12) } : { running: false, id: null },
      update: offered && compareVersions(offered.version, row.version) > 0 ? { version: offered.version } : null,
      createdAt: row.createdAt,
    };
  });
}

export function getOperation(db: Db, id: string) {
  return operationRow(db, id);
}

/** The latest operations (of one instance, or all). */
export function recentOperations(db: Db, instanceId?: string, limit = 20) {
  return db
    .select()
    .from(storeOperations)
    .where(instanceId ? eq(storeOperations.instanceId, instanceId) : undefined)
    .orderBy(desc(storeOperations.startedAt))
    .limit(limit)
    .all();
}
