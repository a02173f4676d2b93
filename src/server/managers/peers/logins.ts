/** Portal logins for peers: a username with an initial password, or a one-time link. */
import crypto from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db';
import { loginLinks, peers } from '../../db/schema';
import { ConflictError, RateLimitedError, ValidationError } from '../../errors';
import {
  accountKey,
  claimLimits,
  createAccount,
  findAccount,
  forgiveAttempt,
  assertStrongPassword,
  hashPassword,
  LOGIN_LIMITS,
  randomPassword,
  reserveAttempt,
  retryAfter,
  setPasswordHash,
} from '../accounts';
import { peerRow } from './peer-views';
import { changed } from '../../runtime/changes';
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
  if (input.mode === 'password') await assertStrongPassword(input.password!, [username], 'password');
  const passwordHash = await hashPassword(input.mode === 'password' ? input.password! : randomPassword());
  const token = input.mode === 'link' ? crypto.randomBytes(24).toString('base64url') : null;
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  const userId = db.transaction(
    (tx) => {
      const peer = peerRow(tx as unknown as Db, input.peerId);
      const taken = findAccount(tx, { username });
      if (peer.userId) {
        const current = findAccount(tx, { id: peer.userId });
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
        setPasswordHash(tx, id, passwordHash, now);
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
  // A new login gets its accounts on the services the peer may use.
  void changed(db, ['accounts']);
  return { userId, username, link: token ? `/welcome/${token}` : null, expiresAt: token ? expiresAt : null };
}

/** Whether a one-time link can still be used, and for whom. */
export function linkStatus(db: Db, token: string, now = runtimeOf(db).clock()) {
  const link = db
    .select()
    .from(loginLinks)
    .where(eq(loginLinks.tokenHash, hashToken(token)))
    .get();
  const account =
    link && !link.usedAt && link.expiresAt.getTime() > now.getTime() && findAccount(db, { id: link.userId });
  return account ? { valid: true, username: account.username } : { valid: false, username: null };
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
  const linked = db.select({ userId: loginLinks.userId }).from(loginLinks).where(usable).get();
  const link = linked && findAccount(db, { id: linked.userId });
  if (!link)
    throw new ValidationError('This link has expired or was already used: ask your admin for a new one', 'token');
  const locked = retryAfter(db, [{ key: accountKey(link.username), max: LOGIN_LIMITS.account }], now.getTime());
  if (locked > 0)
    throw new RateLimitedError(
      `This account is locked after failed sign-ins. Try again in ${minutes(locked)} min.`,
      locked,
    );
  forgiveAttempt(db, attempt.ids);
  await assertStrongPassword(password, [link.username], 'password');
  const passwordHash = await hashPassword(password);
  return db.transaction(
    (tx) => {
      const spent = tx.update(loginLinks).set({ usedAt: now }).where(usable).returning().get();
      if (!spent)
        throw new ValidationError('This link has expired or was already used: ask your admin for a new one', 'token');
      setPasswordHash(tx, spent.userId, passwordHash, now);
      return { username: link.username };
    },
    { behavior: 'immediate' },
  );
}
