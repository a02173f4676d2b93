/** The bearer token `/api/metrics` asks for: made (and shown) once, kept only as its SHA-256. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { metricsSettings } from '../../db/schema';
import { runtimeOf } from '../../runtime/runtime';

const hash = (token: string) => createHash('sha256').update(token).digest();

function row(db: Db) {
  db.insert(metricsSettings).values({ id: 1 }).onConflictDoNothing().run();
  return db.select().from(metricsSettings).where(eq(metricsSettings.id, 1)).get()!;
}

export function metricsStatus(db: Db): { enabled: boolean; createdAt: Date | null } {
  const r = row(db);
  return { enabled: r.tokenHash !== null, createdAt: r.createdAt };
}

/** A new token, replacing any earlier one (which stops working at once). Shown this once. */
export function createMetricsToken(db: Db): { token: string } {
  row(db);
  const token = `pic_${randomBytes(32).toString('base64url')}`;
  db.update(metricsSettings)
    .set({ tokenHash: hash(token).toString('hex'), createdAt: runtimeOf(db).clock() })
    .where(eq(metricsSettings.id, 1))
    .run();
  return { token };
}

export function revokeMetricsToken(db: Db): void {
  row(db);
  db.update(metricsSettings).set({ tokenHash: null, createdAt: null }).where(eq(metricsSettings.id, 1)).run();
}

/** What is wrong with an `Authorization` header, or null when it carries the token. */
export function metricsAuthProblem(db: Db, authorization: string | null): string | null {
  const { tokenHash } = row(db);
  if (!tokenHash) return 'Metrics are off: make a token in Settings';
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return 'Send the token as Authorization: Bearer <token>';
  return timingSafeEqual(hash(m[1]!), Buffer.from(tokenHash, 'hex'))
    ? null
    : 'That token is not the one made in Settings';
}
