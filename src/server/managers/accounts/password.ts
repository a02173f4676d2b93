import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { passwordStrength, weakness } from '@/lib/password-strength';
import { ValidationError } from '../../errors';
import { logger } from '../../runtime/logger';

const scryptAsync = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;
const log = logger.child('password');

/** Every run is logged at debug level: the abuse suite counts them to prove cheap checks come first. */
function scrypt(password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions): Promise<Buffer> {
  log.debug('scrypt run');
  return scryptAsync(password, salt, keylen, options);
}

// scrypt is memory-hard: N=2^15, r=8 uses 32 MiB per hash and ~100 ms on this class of machine.
const PARAMS = { N: 1 << 15, r: 8, p: 1 };
const KEYLEN = 32;
const maxmem = (n: number, r: number) => 128 * n * r * 2;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { ...PARAMS, maxmem: maxmem(PARAMS.N, PARAMS.r) });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const N = Number(n);
  const R = Number(r);
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N,
    r: R,
    p: Number(p),
    maxmem: maxmem(N, R),
  });
  return crypto.timingSafeEqual(key, expected);
}

/** A hash of nothing anyone knows, verified against when the account does not exist (equal timing). */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hashPassword(crypto.randomBytes(16).toString('hex')));
}

/** A random password for recovery: 20 characters from an unambiguous alphabet. */
export function randomPassword(length = 20): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from({ length }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
}

/**
 * Refuses a new password that is easy to guess (a common password, a keyboard walk, the
 * username), naming the field and what would make it stronger. Cheap next to scrypt, so it
 * runs before any hash.
 */
export async function assertStrongPassword(password: string, userInputs: string[], field: string): Promise<void> {
  const problem = weakness(await passwordStrength(password, userInputs));
  if (problem) throw new ValidationError(problem, field);
}
