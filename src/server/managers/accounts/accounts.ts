/** Accounts in the users table: sign-in checks, sessions that end together, passwords. */
import { and, count, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { users } from '../../db/schema';
import { NotFoundError, ValidationError } from '../../errors';
import { assertStrongPassword, decoyHash, hashPassword, randomPassword, verifyPassword } from './password';
import { runtimeOf } from '../../runtime/runtime';

export type Role = 'admin' | 'peer';

export interface SessionUser {
  id: number;
  username: string;
  role: Role;
}

function toSessionUser(u: typeof users.$inferSelect): SessionUser {
  return { id: u.id, username: u.username, role: u.role };
}

/** Set with any change that must sign the user out everywhere. */
export const NEXT_EPOCH = { sessionEpoch: sql`${users.sessionEpoch} + 1` };

/** Voids every session of the user (sign-out, a disabled peer). */
export function endSessions(db: DbOrTx, id: number): void {
  db.update(users).set(NEXT_EPOCH).where(eq(users.id, id)).run();
}

/** The epoch a new session of the user carries. */
export function sessionEpoch(db: Db, id: number): number {
  return db.select({ epoch: users.sessionEpoch }).from(users).where(eq(users.id, id)).get()?.epoch ?? -1;
}

/** Checks a login; the same work is done whether or not the account exists. */
export async function verifyLogin(db: Db, username: string, password: string): Promise<SessionUser | null> {
  const user = db.select().from(users).where(eq(users.username, username.toLowerCase())).get();
  const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  return user && ok ? toSessionUser(user) : null;
}

/** A session is valid while its user exists and nothing has ended its sessions since it was issued. */
const userById = preparedQuery((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare(),
);

export function sessionUser(db: Db, id: number, epoch: number): SessionUser | null {
  const user = userById(db).get({ id });
  if (!user || user.sessionEpoch !== epoch) return null;
  return toSessionUser(user);
}

/** Stores an account whose password is already hashed (setup's first admin, a peer's login). */
export function createAccount(
  db: DbOrTx,
  account: { username: string; passwordHash: string; role: Role },
  now = runtimeOf(db).clock(),
): number {
  return db
    .insert(users)
    .values({ ...account, createdAt: now, passwordChangedAt: now })
    .returning({ id: users.id })
    .get().id;
}

/** An account by its name or id, if there is one. */
export function findAccount(db: DbOrTx, by: { username: string } | { id: number }) {
  return db
    .select({ id: users.id, username: users.username, role: users.role })
    .from(users)
    .where('id' in by ? eq(users.id, by.id) : eq(users.username, by.username))
    .get();
}

/** A new password, already hashed: every session the account had ends with it. */
export function setPasswordHash(db: DbOrTx, id: number, passwordHash: string, now = runtimeOf(db).clock()): void {
  db.update(users)
    .set({ passwordHash, passwordChangedAt: now, ...NEXT_EPOCH })
    .where(eq(users.id, id))
    .run();
}

/** Removes a peer's portal login (never an admin's account). */
export function removePeerAccount(db: DbOrTx, id: number): void {
  db.delete(users)
    .where(and(eq(users.id, id), eq(users.role, 'peer')))
    .run();
}

/** How many accounts have this role. */
export function countAccounts(db: Db, role: Role): number {
  return db.select({ n: count() }).from(users).where(eq(users.role, role)).get()?.n ?? 0;
}

export function getAccount(db: Db, id: number) {
  const user = db.select().from(users).where(eq(users.id, id)).get();
  if (!user) throw new NotFoundError('Account not found');
  return { ...toSessionUser(user), createdAt: user.createdAt, passwordChangedAt: user.passwordChangedAt };
}

export async function changePassword(
  db: Db,
  id: number,
  currentPassword: string,
  newPassword: string,
  now = runtimeOf(db).clock(),
) {
  const user = db.select().from(users).where(eq(users.id, id)).get();
  if (!user) throw new NotFoundError('Account not found');
  await assertStrongPassword(newPassword, [user.username], 'newPassword');
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    throw new ValidationError('Current password is wrong', 'currentPassword');
  }
  const passwordHash = await hashPassword(newPassword);
  db.update(users)
    .set({ passwordHash, passwordChangedAt: now, ...NEXT_EPOCH })
    .where(eq(users.id, id))
    .run();
  return { passwordChangedAt: now };
}

/** Recovery for a locked-out admin: a new random password for the first admin account. */
export async function resetAdminPassword(db: Db, now = runtimeOf(db).clock()) {
  const admin = db.select().from(users).where(eq(users.role, 'admin')).orderBy(users.id).get();
  if (!admin) throw new NotFoundError('There is no admin account yet: complete setup first');
  const password = randomPassword();
  db.update(users)
    .set({ passwordHash: await hashPassword(password), passwordChangedAt: now, ...NEXT_EPOCH })
    .where(eq(users.id, admin.id))
    .run();
  return { username: admin.username, password };
}
