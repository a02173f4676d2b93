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

function readKey(file: string): Buffer {
  const buf = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (buf.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return buf;
}

/**
 * Reads the key, or creates it exclusively: the whole key is written to a private temp
 * file and then hard-linked into place, which fails if another first start got there
 * first. Both then use the one key that won, never one each.
 */
function loadOrCreate(file: string): Buffer {
  try {
    return readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${crypto.randomBytes(8).toString('hex')}.tmp`;
  writeFileAtomic(tmp, crypto.randomBytes(32).toString('base64') + '\n', 0o600);
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return readKey(file);
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

/** Reads the keys again at their next use (a restore put others in their place). */
export function forgetKeys(): void {
  cached = undefined;
}

/** Short stable id of this instance, used to make cookie names unique per cell. */
export function instanceId(): string {
  return crypto.createHmac('sha256', keys().instanceSecret).update('cookie-namespace').digest('hex').slice(0, 10);
}

/** A purpose-bound key derived from the instance secret (sessions, CSRF). */
export function derivedSecret(purpose: string): string {
  return crypto.createHmac('sha256', keys().instanceSecret).update(purpose).digest('base64url');
}

/**
 * Where a sealed value lives. It is bound into the ciphertext as associated data, so a
 * value copied into another column (a CA key into a token field, say) does not decrypt.
 */
export const SECRET_SLOTS = [
  'settings.ddns_token_enc',
  'ddns_state.dyndns2_password_enc',
  'ca_authorities.key_enc',
  'certificates.key_enc',
  'proxy_certificates.key_enc',
  'wireguard_settings.private_key_enc',
  'peers.private_key_enc',
  'peers.preshared_key_enc',
  'store_instances.sealed',
  'backup_offsite.password_enc',
  'service_certificates.key_enc',
] as const;
export type SecretSlot = (typeof SECRET_SLOTS)[number];

const b64 = (b: Buffer) => b.toString('base64url');

/** AES-256-GCM bound to its slot; output `v2.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(plain: string, slot: SecretSlot): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys().secretsKey, iv);
  cipher.setAAD(Buffer.from(slot));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v2', b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
}

/** Opens a `v2` value in its slot; `v1` values (sealed before slots existed) open anywhere until migrated. */
export function decryptSecret(sealed: string, slot: SecretSlot): string {
  const [version, iv, tag, ct] = sealed.split('.');
  if ((version !== 'v1' && version !== 'v2') || !iv || !tag || ct === undefined)
    throw new Error('unrecognised secret format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys().secretsKey, Buffer.from(iv, 'base64url'));
  if (version === 'v2') decipher.setAAD(Buffer.from(slot));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

/** Whether a sealed value predates slots and should be sealed again. */
export const isLegacySealed = (sealed: string) => sealed.startsWith('v1.');
