/**
 * The certificate of a DNS-01 mode (pic_ngo, cloudflare, duckdns): the cell itself asks the
 * ACME server for one certificate covering the domain and `*.domain`, puts the challenge
 * records at the mode's provider, keeps the result with its secrets and has Caddy load it.
 * Caddy needs no DNS module for it. Renewed once a third of its lifetime is left (as Caddy
 * and Let's Encrypt do); failures back off from 5 minutes, doubling, to 6 hours.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../../db';
import { changed } from '../../runtime/changes';
import { logger } from '../../runtime/logger';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf, type Env } from '../../runtime/runtime';
import { cellExists, cellFacts, providerToken } from '../cell';
import { challengeRecords, providerUrls } from '../ddns';
import { accountKey, storedCertificate, storeCertificate, wildcardNames, type DomainCertificate } from './files';
import { issueCertificate, type IssueRequest } from './issue';

const log = logger.child('acme');
const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
const BACKOFF_BASE_MS = 5 * 60_000;
const BACKOFF_MAX_MS = 6 * 60 * 60_000;
const DNS01_MODES = ['pic_ngo', 'cloudflare', 'duckdns'] as const;

interface Attempts {
  /** What the attempts were for (mode, domain, token): a change starts afresh, without backoff. */
  key: string | null;
  running: Promise<void> | null;
  failures: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
}

const attempts = processWide<Attempts>('acme.attempts', () => ({
  key: null,
  running: null,
  failures: 0,
  lastError: null,
  lastAttemptAt: null,
  nextAttemptAt: null,
}));

export const backoffMs = (failures: number) =>
  Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1), BACKOFF_MAX_MS);

/** When a certificate is renewed: once a third of its lifetime is left. */
export const renewsAt = (c: Pick<DomainCertificate, 'notBefore' | 'notAfter'>) =>
  new Date(c.notAfter.getTime() - (c.notAfter.getTime() - c.notBefore.getTime()) / 3);

function caRoot(env: Env): string | null {
  if (!env.PIC_ACME_CA_ROOT) return null;
  try {
    return fs.readFileSync(env.PIC_ACME_CA_ROOT, 'utf8');
  } catch (err) {
    throw new Error(`PIC_ACME_CA_ROOT=${env.PIC_ACME_CA_ROOT} cannot be read: ${(err as Error).message}`);
  }
}

/** What a DNS-01 mode's certificate depends on, read once; null in the other modes. */
interface Current {
  mode: string;
  domain: string;
  token: string | null;
  /** What attempts are for: a change of mode, domain or token starts afresh. */
  key: string;
  stored: DomainCertificate | null;
}

function current(db: Db): Current | null {
  if (!cellExists(db)) return null;
  const { domainMode: mode, domain } = cellFacts(db);
  if (!(DNS01_MODES as readonly string[]).includes(mode)) return null;
  const token = providerToken(db);
  const tokenHash = crypto
    .createHash('sha256')
    .update(token ?? '')
    .digest('hex');
  return {
    mode,
    domain,
    token,
    key: `${mode}:${domain}:${tokenHash}`,
    stored: storedCertificate(runtimeOf(db).paths, domain),
  };
}

/**
 * In a DNS-01 mode with its provider token: the certificate the cell has for the domain and its
 * wildcard, as Caddy should load it (null until the first arrives). Null in the other modes.
 */
export function dns01Certificate(db: Db): { certificate: DomainCertificate | null } | null {
  const c = current(db);
  return c?.token ? { certificate: c.stored } : null;
}

export interface CertificateStatus {
  names: string[];
  certificate: { notBefore: Date; notAfter: Date; issuer: string; renewsAt: Date } | null;
  requesting: boolean;
  lastAttemptAt: Date | null;
  lastError: string | null;
  failures: number;
  nextAttemptAt: Date | null;
}

function statusOf(c: Current): CertificateStatus {
  const a = attempts.key === c.key ? attempts : null;
  const s = c.stored;
  return {
    names: wildcardNames(c.domain),
    certificate: s ? { notBefore: s.notBefore, notAfter: s.notAfter, issuer: s.issuer, renewsAt: renewsAt(s) } : null,
    requesting: attempts.running !== null,
    lastAttemptAt: a?.lastAttemptAt ?? null,
    lastError: a?.lastError ?? (c.token ? null : 'The mode’s provider token is missing'),
    failures: a?.failures ?? 0,
    nextAttemptAt: a?.nextAttemptAt ?? null,
  };
}

/** What the Domain page shows; null in the modes whose certificates Caddy gets itself or the cell's CA signs. */
export function certificateStatus(db: Db): CertificateStatus | null {
  const c = current(db);
  return c && statusOf(c);
}

async function request(db: Db, domain: string, issue: () => IssueRequest): Promise<void> {
  const { paths } = runtimeOf(db);
  attempts.lastAttemptAt = runtimeOf(db).clock();
  try {
    const { certPem, keyPem } = await issueCertificate(issue());
    storeCertificate(paths, domain, certPem, keyPem);
    Object.assign(attempts, { failures: 0, lastError: null, nextAttemptAt: null });
    log.info('certificate issued', { domain });
    await changed(db, ['proxy'], { wait: true });
  } catch (err) {
    attempts.failures += 1;
    attempts.lastError = (err as Error).message;
    attempts.nextAttemptAt = new Date(runtimeOf(db).clock().getTime() + backoffMs(attempts.failures));
    log.warn('certificate request failed', { domain, error: attempts.lastError, failures: attempts.failures });
  }
}

/**
 * Starts a request when the domain has no certificate, or when it is due for renewal and no
 * failure's backoff is running (`force` skips both checks). Returns without waiting for it.
 * `email` is the ACME account's contact (the proxy's setting).
 */
export function ensureDomainCertificate(
  db: Db,
  { email, force = false }: { email: string | null; force?: boolean },
): CertificateStatus | null {
  const c = current(db);
  if (!c || attempts.running) return c && statusOf(c);
  const { env, paths, clock } = runtimeOf(db);
  const now = clock();
  if (attempts.key !== c.key)
    Object.assign(attempts, { key: c.key, failures: 0, lastError: null, nextAttemptAt: null });
  const due =
    force || ((!c.stored || now >= renewsAt(c.stored)) && !(attempts.nextAttemptAt && now < attempts.nextAttemptAt));
  const records = due ? challengeRecords(c.mode, c.token, c.domain, providerUrls(env)) : null;
  if (!records) return statusOf(c);
  attempts.running = request(db, c.domain, () => ({
    directory: env.PIC_ACME_DIRECTORY || LETS_ENCRYPT,
    caRoot: caRoot(env),
    accountKey: accountKey(paths),
    email,
    domain: c.domain,
    records,
    resolver: env.PIC_ACME_DNS_RESOLVER || null,
    progress: (step, detail) => log.info(step, { domain: c.domain, ...detail }),
  })).finally(() => {
    attempts.running = null;
  });
  return statusOf(c);
}

/** Waits for the request under way, if any (tests, and the restart of a cell that is stopping). */
export async function settleCertificate(): Promise<void> {
  await attempts.running;
}
