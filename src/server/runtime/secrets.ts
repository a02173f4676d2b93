import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './fs-atomic';
import { dataPaths } from './paths';

/**
 * Two random keys in the data directory (mode 0600): the instance secret signs
 * sessions and names cookies; the secrets key encrypts secrets stored in SQLite.
 */
interface Keys {
  instanceSecret: Buffer;
  secretsKey: Buffer;
}

let cached: { dir: string; keys: Keys } | undefined;

function loadOrCreate(file: string): Buffer {
  try {
    const buf = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (buf.length === 32) return buf;
    throw new Error(`${file} does not hold a 32-byte base64 key`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // 'wx' would race with a concurrent creator; write atomically, then re-read the winner.
  writeFileAtomic(file, key.toString('base64') + '\n', 0o600);
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
}

export function keys(): Keys {
  const dir = dataPaths.secrets();
  if (cached?.dir !== dir) {
    cached = {
      dir,
      keys: {
        instanceSecret: loadOrCreate(path.join(dir, 'instance.secret')),
        secretsKey: loadOrCreate(path.join(dir, 'secrets.key')),
      },
    };
  }
  return cached.keys;
}

/** Short stable id of this instance, used to make cookie names unique per cell. */
export function instanceId(): string {
  return crypto.createHmac('sha256', keys().instanceSecret).update('cookie-namespace').digest('hex').slice(0, 10);
}

/** A purpose-bound key derived from the instance secret (sessions, CSRF). */
export function derivedSecret(purpose: string): string {
  return crypto.createHmac('sha256', keys().instanceSecret).update(purpose).digest('base64url');
}

/** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(plain: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys().secretsKey, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSecret(sealed: string): string {
  const [version, iv, tag, ct] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unrecognised secret format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys().secretsKey, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
