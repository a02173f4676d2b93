/**
 * The setup code: before setup, whoever reaches the wizard first would own the cell. A caller
 * on the host itself (loopback) may set it up as before; anyone else (through Caddy's setup
 * site, or the admin port published by the engine) must give the one-time code the cell keeps
 * in its secrets folder, which install.sh and the server's log show to whoever installed it.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../db';
import { ForbiddenError, RateLimitedError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { forgiveAttempt, reserveAttempt } from '../accounts';

/** Crockford's base32: no I, L, O or U to misread. 12 of them carry 60 bits. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP = 4;
/**
 * Wrong or missing codes an address may send in the login window (15 minutes). Guessing 60
 * bits is hopeless anyway; the limit keeps a scanner from filling the audit trail.
 */
export const SETUP_CODE_TRIES = 10;

export const setupCodeFile = (db: Db) => path.join(runtimeOf(db).paths.secrets(), 'setup-code');

const normalise = (code: string) => code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');

function readCode(file: string): string | null {
  try {
    const code = normalise(fs.readFileSync(file, 'utf8'));
    return code.length === GROUPS * GROUP ? code : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The code as stored and compared (no dashes), made once and kept until setup completes. */
function currentCode(db: Db): string {
  const file = setupCodeFile(db);
  const kept = readCode(file);
  if (kept) return kept;
  const code = Array.from({ length: GROUPS * GROUP }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${grouped(code)}\n`, { mode: 0o600 });
  return code;
}

const grouped = (code: string) => code.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-');

/** The code as people read it: `XXXX-XXXX-XXXX`. */
export const setupCode = (db: Db): string => grouped(currentCode(db));

/** Whether a caller must give the code: anyone not on the host's loopback. */
export function setupCodeRequired(clientAddress: string): boolean {
  // addressKey keeps IPv4 as is and IPv6 by its /64: ::1 is `::/64`.
  return !(/^127\./.test(clientAddress) || clientAddress === '::/64');
}

/**
 * Refuses a caller from outside the host without the right code (the field is `setupCode`),
 * and one whose address sent too many wrong ones (429). A right code forgives its own try.
 */
export function checkSetupCode(db: Db, clientAddress: string, given: string | null | undefined): void {
  if (!setupCodeRequired(clientAddress)) return;
  const attempt = reserveAttempt(db, [{ key: `setup-code:${clientAddress}`, max: SETUP_CODE_TRIES }]);
  if (!('ids' in attempt))
    throw new RateLimitedError(
      `Too many wrong setup codes from this address: try again in ${Math.ceil(attempt.wait / 60)} min`,
      attempt.wait,
    );
  if (!given?.trim())
    throw new ForbiddenError(
      'Enter the setup code: install.sh printed it, and the server logs it when it starts',
      'setupCode',
    );
  const want = Buffer.from(currentCode(db));
  const got = Buffer.from(normalise(given));
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw new ForbiddenError('That is not the setup code: install.sh printed it, and the server logs it', 'setupCode');
  forgiveAttempt(db, attempt.ids);
}

/** Setup is done: the code opens nothing any more. */
export function dropSetupCode(db: Db): void {
  fs.rmSync(setupCodeFile(db), { force: true });
}
