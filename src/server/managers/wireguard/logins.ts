/** Portal logins for peers: a username with an initial password, or a one-time link. */
import crypto from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db';
import { loginLinks, peers, users } from '../../db/schema';
import { ConflictError, ValidationError } from '../../errors';
import { hashPassword, randomPassword } from '../accounts/password';
import { peerRow } from './peer-views';

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
export async function createPeerLogin(db: Db, input: CreateLogin, now = new Date()) {
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
          throw new ConflictError(`${peer.name} already has the portal login ${current.username}; use that name to reset it`, 'username');
        }
      }
      if (taken && taken.id !== peer.userId) throw new ConflictError(`The username ${username} is taken`, 'username');
      let id = peer.userId;
      if (id) {
        tx.update(users).set({ passwordHash, passwordChangedAt: now }).where(eq(users.id, id)).run();
      } else {
        id = tx.insert(users).values({ username, passwordHash, role: 'peer', createdAt: now, passwordChangedAt: now }).returning().get().id;
        tx.update(peers).set({ userId: id, updatedAt: now }).where(eq(peers.id, peer.id)).run();
      }
      tx.delete(loginLinks).where(eq(loginLinks.userId, id)).run();
      if (token) tx.insert(loginLinks).values({ userId: id, tokenHash: hashToken(token), expiresAt, createdAt: now }).run();
      return id;
    },
    { behavior: 'immediate' },
  );
  return { userId, username, link: token ? `/welcome/${token}` : null, expiresAt: token ? expiresAt : null };
}

/** Whether a one-time link can still be used, and for whom. */
export function linkStatus(db: Db, token: string, now = new Date()) {
  const row = db
    .select({ username: users.username, expiresAt: loginLinks.expiresAt, usedAt: loginLinks.usedAt })
    .from(loginLinks)
    .innerJoin(users, eq(users.id, loginLinks.userId))
    .where(eq(loginLinks.tokenHash, hashToken(token)))
    .get();
  const valid = Boolean(row && !row.usedAt && row.expiresAt.getTime() > now.getTime());
  return valid ? { valid, username: row!.username } : { valid, username: null };
}

/** Sets the password through a one-time link; the link is spent in the same transaction. */
export async function claimLoginLink(db: Db, token: string, password: string, now = new Date()) {
  const passwordHash = await hashPassword(password);
  return db.transaction(
    (tx) => {
      const spent = tx
        .update(loginLinks)
        .set({ usedAt: now })
        .where(and(eq(loginLinks.tokenHash, hashToken(token)), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now)))
        .returning()
        .get();
      if (!spent) throw new ValidationError('This link has expired or was already used: ask your admin for a new one', 'token');
      const user = tx.update(users).set({ passwordHash, passwordChangedAt: now }).where(eq(users.id, spent.userId)).returning().get();
      return { username: user.username };
    },
    { behavior: 'immediate' },
  );
}
