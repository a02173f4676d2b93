/**
 * The keys the cell trusts for store images: those the admin added (audited, like every
 * mutation) and those `PIC_STORE_TRUSTED_KEYS` names (PEM text, or a file of PEM blocks) for
 * tests and air-gapped cells. Only ECDSA P-256 keys are accepted.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import type { AddStoreKey } from '@/lib/schemas/store-keys';
import type { Db } from '../../db';
import { storeKeys } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { ImageSignatureError, trustedKey, type TrustedKey } from './cosign';

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

const fingerprintOf = (key: TrustedKey) =>
  createHash('sha256')
    .update(key.key.export({ type: 'spki', format: 'der' }))
    .digest('hex');

export function listStoreKeys(db: Db) {
  const stored = db
    .select()
    .from(storeKeys)
    .orderBy(asc(storeKeys.name))
    .all()
    .map((k) => ({
      id: k.id,
      name: k.name,
      fingerprint: k.fingerprint,
      createdAt: k.createdAt,
      source: 'cell' as const,
    }));
  const fromEnv = envKeys(db).map((k) => ({
    id: null,
    name: k.id,
    fingerprint: fingerprintOf(k),
    createdAt: null,
    source: 'environment' as const,
  }));
  return [...stored, ...fromEnv];
}

export function addStoreKey(db: Db, input: AddStoreKey) {
  let key: TrustedKey;
  try {
    key = trustedKey(input.name, input.pem);
  } catch (err) {
    throw new ValidationError((err as ImageSignatureError).message, 'pem');
  }
  const fingerprint = fingerprintOf(key);
  const same = db.select().from(storeKeys).where(eq(storeKeys.fingerprint, fingerprint)).get();
  if (same) throw new ConflictError(`This key is already trusted, as ${same.name}`, 'pem');
  try {
    return db
      .insert(storeKeys)
      .values({ name: input.name, pem: input.pem, fingerprint, createdAt: runtimeOf(db).clock() })
      .returning({
        id: storeKeys.id,
        name: storeKeys.name,
        fingerprint: storeKeys.fingerprint,
        createdAt: storeKeys.createdAt,
      })
      .get();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new ConflictError(`A key named ${input.name} already exists`, 'name');
    throw err;
  }
}

export function removeStoreKey(db: Db, id: number) {
  const row = db.delete(storeKeys).where(eq(storeKeys.id, id)).returning().get();
  if (!row) throw new NotFoundError(`Key ${id} does not exist`);
  return { id: row.id, name: row.name };
}

/** PEM public keys from a setting that holds them, or the path of a file that does. */
export function pemSetting(env: Record<string, string | undefined>, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  let text = raw;
  if (!raw.startsWith('-----BEGIN')) {
    try {
      text = fs.readFileSync(raw, 'utf8');
    } catch {
      throw new ValidationError(`${name}=${raw} is neither PEM keys nor a readable file`);
    }
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (!blocks.length) throw new ValidationError(`${name} holds no PEM public key`);
  return blocks;
}

/** `PIC_STORE_TRUSTED_KEYS`: PEM blocks, or the path of a file holding them. */
function envKeys(db: Db): TrustedKey[] {
  return pemSetting(runtimeOf(db).env, 'PIC_STORE_TRUSTED_KEYS').map((pem, i) =>
    trustedKey(`environment key ${i + 1}`, pem),
  );
}

/** Every key image signatures may verify under. */
export function trustedKeys(db: Db): TrustedKey[] {
  const stored = db
    .select()
    .from(storeKeys)
    .all()
    .map((k) => trustedKey(k.name, k.pem));
  return [...stored, ...envKeys(db)];
}
