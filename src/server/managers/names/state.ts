/**
 * The name registry: every label of the `cell` zone and who holds it. Domains claim and
 * release their names here inside their own transactions; a conflict names the holder.
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { cellNames } from '../../db/schema';
import { ConflictError } from '../../errors';
import {
  NAME_SERVER_LABEL,
  NAME_SERVER_OWNER,
  readTarget,
  writeTarget,
  type NameOwner,
  type NameTarget,
} from './model';
import { runtimeOf } from '../../runtime/runtime';

export interface HeldName {
  label: string;
  owner: NameOwner;
  target: NameTarget;
}

const sameOwner = (a: Pick<NameOwner, 'kind' | 'ref'>, b: Pick<NameOwner, 'kind' | 'ref'>) =>
  a.kind === b.kind && a.ref === b.ref;

/** Who holds a label, or null when it is free. */
export function ownerOf(db: DbOrTx, label: string): NameOwner | null {
  if (label === NAME_SERVER_LABEL) return { kind: 'core', ref: NAME_SERVER_LABEL, description: NAME_SERVER_OWNER };
  const row = db.select().from(cellNames).where(eq(cellNames.label, label)).get();
  return row ? { kind: row.kind, ref: row.ref, description: row.owner } : null;
}

/** Refuses a label someone else holds, naming them (on `field` when the caller's form has one). */
export function assertNameFree(
  db: DbOrTx,
  label: string,
  owner?: Pick<NameOwner, 'kind' | 'ref'>,
  field?: string,
): void {
  const holder = ownerOf(db, label);
  if (holder && !(owner && sameOwner(holder, owner)))
    throw new ConflictError(`${label}.cell is already taken by ${holder.description}`, field);
}

const nameRow = (label: string, owner: NameOwner, target: NameTarget, now: Date) => ({
  label,
  kind: owner.kind,
  ref: owner.ref,
  owner: owner.description,
  target: writeTarget(target),
  createdAt: now,
});

/** Adds a label to what an owner holds (again: its description and target are brought up to date). */
export function claimName(
  db: DbOrTx,
  label: string,
  owner: NameOwner,
  target: NameTarget,
  opts: { field?: string; now?: Date } = {},
): void {
  assertNameFree(db, label, owner, opts.field);
  const row = nameRow(label, owner, target, opts.now ?? runtimeOf(db).clock());
  db.insert(cellNames)
    .values(row)
    .onConflictDoUpdate({ target: cellNames.label, set: { owner: row.owner, target: row.target } })
    .run();
}

/**
 * A name for an owner that holds none yet, checked free by the caller in the same
 * transaction (the label's primary key still refuses a duplicate).
 */
export function insertName(
  db: DbOrTx,
  label: string,
  owner: NameOwner,
  target: NameTarget,
  now = runtimeOf(db).clock(),
): void {
  db.insert(cellNames)
    .values(nameRow(label, owner, target, now))
    .run();
}

/** An owner with one name (a peer, a device, the cell): it holds exactly this label afterwards. */
export function holdName(
  db: DbOrTx,
  label: string,
  owner: NameOwner,
  target: NameTarget,
  opts: { field?: string; now?: Date } = {},
): void {
  assertNameFree(db, label, owner, opts.field);
  for (const held of namesOf(db, owner)) if (held !== label) releaseName(db, held);
  claimName(db, label, owner, target, opts);
}

/** Every label an owner holds. */
export function namesOf(db: DbOrTx, owner: Pick<NameOwner, 'kind' | 'ref'>): string[] {
  return db
    .select({ label: cellNames.label })
    .from(cellNames)
    .where(and(eq(cellNames.kind, owner.kind), eq(cellNames.ref, owner.ref)))
    .all()
    .map((r) => r.label);
}

export function releaseName(db: DbOrTx, label: string): void {
  db.delete(cellNames).where(eq(cellNames.label, label)).run();
}

/** Releases everything an owner holds (a peer deleted, a service removed). */
export function releaseOwner(db: DbOrTx, owner: Pick<NameOwner, 'kind' | 'ref'>): void {
  db.delete(cellNames)
    .where(and(eq(cellNames.kind, owner.kind), eq(cellNames.ref, owner.ref)))
    .run();
}

const held = (r: typeof cellNames.$inferSelect): HeldName => ({
  label: r.label,
  owner: { kind: r.kind, ref: r.ref, description: r.owner },
  target: readTarget(r.target),
});

/** Every held name, by label: what DNS renders. */
export function heldNames(db: DbOrTx): HeldName[] {
  return db.select().from(cellNames).orderBy(cellNames.label).all().map(held);
}

/** The names an owner holds, with where they point (a peer's, after its change). */
export function heldNamesOf(db: DbOrTx, owner: Pick<NameOwner, 'kind' | 'ref'>): HeldName[] {
  return db
    .select()
    .from(cellNames)
    .where(and(eq(cellNames.kind, owner.kind), eq(cellNames.ref, owner.ref)))
    .orderBy(cellNames.label)
    .all()
    .map(held);
}
