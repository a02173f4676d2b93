/** Reverse proxy routes: validated against the domain, the reserved names and each other, then applied. */
import { and, count, eq, ne } from 'drizzle-orm';
import type { RouteInput, UpdateRouteInput } from '@/lib/schemas/routes';
import type { Db, DbOrTx } from '../../db';
import { routes } from '../../db/schema';
import { cellIdentity } from '../cell';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { claimName, heldNames, ownerOf, releaseName, SERVICE_KINDS } from '../names';
import { changed } from '../../runtime/changes';
import { applyCaddy, uiHosts } from './apply';
import { runtimeOf } from '../../runtime/runtime';

type RouteRow = typeof routes.$inferSelect;

/** How many routes the cell serves. */
export function countRoutes(db: Db): number {
  return db.select({ n: count() }).from(routes).get()?.n ?? 0;
}

export function listRoutes(db: Db) {
  return {
    routes: db.select().from(routes).orderBy(routes.host, routes.path).all(),
    reserved: uiHosts(cellIdentity(db)),
  };
}

/** Where a host may point: under the domain, or one label under `.cell` that is not a peer's or a device's. */
function checkHost(db: DbOrTx, host: string): void {
  const cell = cellIdentity(db);
  if (uiHosts(cell).includes(host))
    throw new ConflictError(`${host} is the cell's own web app and cannot be routed elsewhere`, 'host');
  if (host.endsWith('.cell')) {
    const label = host.slice(0, -'.cell'.length);
    if (label.includes('.')) throw new ValidationError('A .cell name has one label, like nas.cell', 'host');
    // A route may serve a service's name (`calendar.cell`), never a peer's, a device's or the cell's.
    const owner = ownerOf(db, label);
    if (owner && !SERVICE_KINDS.includes(owner.kind))
      throw new ConflictError(`${host} belongs to ${owner.description}`, 'host');
    return;
  }
  if (!host.endsWith(`.${cell.domain}`))
    throw new ValidationError(`A subdomain of ${cell.domain}, or a .cell name`, 'host');
}

function checkShadow(db: DbOrTx, host: string, path: string, selfId?: number): void {
  const same = db
    .select()
    .from(routes)
    .where(and(eq(routes.host, host), eq(routes.path, path), ...(selfId ? [ne(routes.id, selfId)] : [])))
    .get();
  if (same)
    throw new ConflictError(
      `${host}${path || '/'} is already routed to ${same.upstream} by route ${same.id}`,
      path ? 'path' : 'host',
    );
}

/** A `.cell` host needs its name in DNS, pointing at the cell; one nobody else holds goes away with its last route. */
function syncCellNames(db: DbOrTx): void {
  const wanted = new Set(
    db
      .select({ host: routes.host })
      .from(routes)
      .all()
      .filter((r) => r.host.endsWith('.cell'))
      .map((r) => r.host.slice(0, -'.cell'.length)),
  );
  for (const held of heldNames(db))
    if (held.owner.kind === 'route' && !wanted.has(held.label)) releaseName(db, held.label);
  for (const label of wanted)
    if (!ownerOf(db, label))
      claimName(db, label, { kind: 'route', ref: `${label}.cell`, description: `route ${label}.cell` }, { to: 'cell' });
}

/** A service's routes come and go with the service. */
function assertOwn(row: RouteRow): void {
  if (row.service)
    throw new ConflictError(
      `${row.host}${row.path} belongs to the service ${row.service}: it changes with the service, on the Services page`,
    );
}

export interface ServiceRoute {
  host: string;
  path: string;
  upstream: string;
  access: 'peers' | 'public';
}

/**
 * Gives a store service exactly these routes, in the caller's transaction (its names are the
 * caller's to hold). A host or path someone else serves is refused, naming them.
 */
export function holdServiceRoutes(tx: DbOrTx, service: string, wanted: readonly ServiceRoute[], now: Date): void {
  tx.delete(routes).where(eq(routes.service, service)).run();
  for (const r of wanted) {
    checkHost(tx, r.host);
    checkShadow(tx, r.host, r.path);
    tx.insert(routes)
      .values({ ...r, headers: {}, websocket: false, service, createdAt: now, updatedAt: now })
      .run();
  }
  syncCellNames(tx);
}

async function applied(db: Db, row: RouteRow) {
  const apply = await applyCaddy(db).catch((err: Error) => ({ state: 'pending' as const, reason: err.message }));
  void changed(db, ['names']);
  return { ...row, apply };
}

export async function createRoute(db: Db, input: RouteInput, now = runtimeOf(db).clock()) {
  const row = db.transaction(
    (tx) => {
      checkHost(tx, input.host);
      checkShadow(tx, input.host, input.path);
      const inserted = tx
        .insert(routes)
        .values({ ...input, createdAt: now, updatedAt: now })
        .returning()
        .get();
      syncCellNames(tx);
      return inserted;
    },
    { behavior: 'immediate' },
  );
  return applied(db, row);
}

export async function updateRoute(db: Db, input: UpdateRouteInput, now = runtimeOf(db).clock()) {
  const { id, ...changes } = input;
  const row = db.transaction(
    (tx) => {
      const current = tx.select().from(routes).where(eq(routes.id, id)).get();
      if (!current) throw new NotFoundError(`Route ${id} not found`);
      assertOwn(current);
      const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
      if (next.host !== current.host) checkHost(tx, next.host);
      checkShadow(tx, next.host, next.path, id);
      const updated = tx
        .update(routes)
        .set({ ...next, id, updatedAt: now })
        .where(eq(routes.id, id))
        .returning()
        .get();
      syncCellNames(tx);
      return updated;
    },
    { behavior: 'immediate' },
  );
  return applied(db, row);
}

export async function removeRoute(db: Db, id: number) {
  const row = db.transaction((tx) => {
    const current = tx.select().from(routes).where(eq(routes.id, id)).get();
    if (!current) throw new NotFoundError(`Route ${id} not found`);
    assertOwn(current);
    const removed = tx.delete(routes).where(eq(routes.id, id)).returning().get()!;
    syncCellNames(tx);
    return removed;
  });
  return applied(db, row);
}
