import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditFields {
  at: Date;
  actor: string;
  actorRole: string;
  procedure: string;
  input: string;
  outcome: 'success' | 'refused' | 'error' | 'started';
  detail: string | null;
  /** The `started` entry an outcome closes. */
  ref?: number | null;
}

/** SHA-256 over the previous hash and the entry in a fixed field order (canonical by position). */
export function entryHash(prevHash: string, e: AuditFields): string {
  // `ref` joined later: entries without one hash exactly as before, so older chains still verify.
  const fields = [
    prevHash,
    e.at.getTime(),
    e.actor,
    e.actorRole,
    e.procedure,
    e.input,
    e.outcome,
    e.detail,
    ...(e.ref != null ? [e.ref] : []),
  ];
  const canonical = JSON.stringify(fields);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

const SECRET_KEY =
  /pass(word|phrase)?|token|secret|private|preshared|apikey|api_key|credential|authorization|cookie|^key$/i;
/** Inside a headers object any name that suggests a secret is redacted (X-Api-Key, X-Auth-Token, Cookie…). */
const SECRET_HEADER = /key|token|secret|pass|auth|cookie|session|signature/i;
export const REDACTED = '[redacted]';

/** Credentials inside URLs: `user:password@` and secret-looking query parameters. */
function redactUrls(s: string): string {
  return s
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@/\s]*@/gi, `$1${REDACTED}@`)
    .replace(/([?&][^=&#\s]*(?:token|key|secret|pass|auth|sig)[^=&#\s]*=)[^&#\s]*/gi, `$1${REDACTED}`);
}

/** A copy of an input with every secret-looking field replaced, at any depth. */
export function redact(value: unknown, depth = 0, inHeaders = false): unknown {
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const secret = SECRET_KEY.test(k) || (inHeaders && SECRET_HEADER.test(k));
      out[k] =
        secret && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, depth + 1, /headers$/i.test(k));
    }
    return out;
  }
  if (typeof value === 'string' && value.includes('://')) value = redactUrls(value);
  if (typeof value === 'string' && value.length > 2000) return value.slice(0, 2000) + '…';
  return value;
}
