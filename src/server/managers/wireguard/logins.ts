/** Portal logins for peers: a username with an initial password, or a one-time link. */
import crypto from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db';
import { loginLinks, peers, users } from '../../db/schema';
import { ConflictError, RateLimitedError, ValidationError } from '../../errors';
import {
  accountKey,
  claimLimits,
  createAccount,
  forgiveAttempt,
  hashPassword,
  LOGIN_LIMITS,
  NEXT_EPOCH,
  randomPassword,
  reserveAttempt,
  retryAfter,
} from '../accounts';
import { peerRow } from './peer-views';
import { runtimeOf } from '../../runtime/runtime';

export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

interface CreateLogin {
  peerId: number;
  username: string;
  mode: 'password' | 'link';
  password?: string;
}

/**
 * Gives a peer its portal login, or resets the one it has (same username): a new
 * password, or a new link that voids the earlier ones.
 */
export async function createPeerLogin(db: Db, input: CreateLogin, now = runtimeOf(db).clock()) {
  const username = input.username.toLowerCase();
  const passwordHash = await hashPassword(input.mode === 'password' ? input.password! : randomPassword());
  const token = input.mode === 'link' ? crypto.randomBytes(24).toString('base64url') : null;
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  const userId = db.transaction(
    (tx) => {
      const peer = peerRow(tx as unknown as Db, input.peerId);
      const taken = tx.select().from(users).where(eq(users.username, username)).get();
      if (peer.userId) {
        const current = tx.select().from(users).where(eq(users.id, peer.userId)).get();
        if (current && current.username !== username) {
          throw new ConflictError(
            `${peer.name} already has the portal login ${current.username}; use that name to reset it`,
            'username',
          );
        }
      }
      if (taken && taken.id !== peer.userId) throw new ConflictError(`The username ${username} is taken`, 'username');
      let id = peer.userId;
      if (id) {
        tx.update(users)
          .set({ passwordHash, passwordChangedAt: now, ...NEXT_EPOCH })
          .where(eq(users.id, id))
          .run();
      } else {
        id = createAccount(tx, { username, passwordHash, role: 'peer' }, now);
        tx.update(peers).set({ userId: id, updatedAt: now }).where(eq(peers.id, peer.id)).run();
      }
      tx.delete(loginLinks).where(eq(loginLinks.userId, id)).run();
      if (token)
        tx.insert(loginLinks)
          .values({ userId: id, tokenHash: hashToken(token), expiresAt, createdAt: now })
          .run();
      return id;
    },
    { behavior: 'immediate' },
  );
  return { userId, username, link: token ? `/welcome/${token}` : null, expiresAt: token ? expiresAt : null };
}

/** Whether a one-time link can still be used, and for whom. */
export function linkStatus(db: Db, token: string, now = runtimeOf(db).clock()) {
  const row = db
    .select({ username: users.username, expiresAt: loginLinks.expiresAt, usedAt: loginLinks.usedAt })
    .from(loginLinks)
    .innerJoin(users, eq(users.id, loginLinks.userId))
    .where(eq(loginLinks.tokenHash, hashToken(token)))
    .get();
  const valid = Boolean(row && !row.usedAt && row.expiresAt.getTime() > now.getTime());
  return valid ? { valid, username: row!.username } : { valid, username: null };
}

const minutes = (s: number) => Math.ceil(s / 60);

/**
 * Sets the password through a one-time link; the link is spent in the same transaction.
 * The token is checked before any password hashing, tries are limited per address, and
 * a locked account stays locked this way too.
 */
export async function claimLoginLink(
  db: Db,
  token: string,
  password: string,
  address: string,
  now = runtimeOf(db).clock(),
) {
  const attempt = reserveAttempt(db, claimLimits(address), now.getTime());
  if (!('ids' in attempt))
    throw new RateLimitedError(
      `Too many tries from your address. Try again in ${minutes(attempt.wait)} min.`,
      attempt.wait,
    );
  const usable = and(
    eq(loginLinks.tokenHash, hashToken(token)),
    isNull(loginLinks.usedAt),
    gt(loginLinks.expiresAt, now),
  );
  const link = db
    .select({ username: users.username })
    .from(loginLinks)
    .innerJoin(users, eq(users.id, loginLinks.userId))
    .where(usable)
    .get();
  if (!link)
    throw new ValidationError('This link has expired or was already used: ask your admin for a new one', 'token');
  const locked = retryAfter(db, [{ key: accountKey(link.username), max: LOGIN_LIMITS.account }], now.getTime());
  if (locked > 0)
    throw new RateLimitedError(
      `This account is locked after failed sign-ins. Try again in ${minutes(locked)} min.`,
      locked,
    );
  forgiveAttempt(db, attempt.ids);
  const passwordHash = await hashPassword(password);
  return db.transaction(
    (tx) => {
      const spent = tx.update(loginLinks).set({ usedAt: now }).where(usable).returning().get();
      if (!spent)
        throw new ValidationError('This link has expired or was already used: ask your admin for a new one', 'token');
      const user = tx
        .update(users)
        .set({ passwordHash, passwordChangedAt: now, ...NEXT_EPOCH })
        .where(eq(users.id, spent.userId))
        .returning()
        .get();
      return { username: user.username };
    },
    { behavior: 'immediate' },
  );
}
