/**
 * The cell's certificate authority itself: a root made once (when the setup site first needs
 * a certificate, at setup, or at the first start of an older cell) whose key signs nothing
 * but intermediates, an intermediate that signs day to day and may only vouch for the cell's
 * own names, and the CRL kept fresh.
 */
import { randomBytes } from 'node:crypto';
import { eq, isNotNull } from 'drizzle-orm';
import { cidrContains, parseAddress, parseCidr, type Cidr } from '@/lib/cidr';
import type { RevokeReason } from '@/lib/schemas/vault';
import type { Db } from '../../db';
import { caAuthorities, certificates } from '../../db/schema';
import { processWide } from '../../runtime/process-wide';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { cellExists, cellFacts, cellNetwork, SETUP_HOST } from '../cell';
import {
  buildCrl,
  certFromPem,
  certToPem,
  createIntermediate,
  createRoot,
  crlToPem,
  fingerprint,
  keyFromPem,
  keyToPem,
  nameConstraintsDer,
  nameConstraintsOf,
  newKey,
  type Authority,
  type NameScope,
} from './x509';
import { runtimeOf } from '../../runtime/runtime';

export const DAY = 86_400_000;
/** The CRL is valid a week and renewed when less than two days are left. */
const CRL_VALIDITY = 7 * DAY;
const CRL_RENEW_BEFORE = 2 * DAY;

/** The private ranges; a tunnel or cell network outside them is added to the scope as it is. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

const cidrOf = (s: string) => parseCidr(s, { strict: false }) as Cidr;
const covers = (outer: Cidr, inner: Cidr) =>
  outer.family === inner.family && outer.prefix <= inner.prefix && cidrContains(outer, inner.family, inner.network);

/**
 * What the intermediate may sign: `.cell`, the cell's domain and its subdomains, and private
 * addresses. Before setup there is no domain yet: `.cell` and the cell network only.
 */
export function caScope(db: Db): NameScope {
  const cidrs = [...PRIVATE_RANGES];
  const facts = cellExists(db) ? cellFacts(db) : null;
  const nets = facts ? facts.internalNetworks : [cellNetwork(db).subnet];
  for (const net of nets) if (!cidrs.some((c) => covers(cidrOf(c), cidrOf(net)))) cidrs.push(net);
  return { dns: facts ? ['cell', facts.domain] : ['cell'], cidrs };
}

/** Whether the CA may sign a name: an address in range, or a DNS name (a leading `*.` allowed) at or below a permitted one. */
export function inScope(name: string, scope: NameScope): boolean {
  const ip = parseAddress(name);
  if (ip) return scope.cidrs.some((c) => cidrContains(cidrOf(c), ip.family, ip.value));
  const host = name.toLowerCase().replace(/^\*\./, '');
  if (host.includes('*')) return false;
  return scope.dns.some((d) => host === d || host.endsWith(`.${d}`));
}

/** Where the CRL is published: the cell's web app at its domain (before setup, the setup site's name). */
export const crlUrl = (db: Db) => `http://${cellExists(db) ? cellFacts(db).domain : SETUP_HOST}/api/vault/crl`;

/**
 * The name the CA's certificates carry: the cell's, or before setup (when the setup site
 * needs a certificate) a random one, so two new cells' roots never look alike on a device.
 */
const caLabel = (db: Db) => (cellExists(db) ? cellFacts(db).name : `cell ${randomBytes(3).toString('hex')}`);

function authority(db: Db, role: 'root' | 'intermediate'): Authority | null {
  const row = db.select().from(caAuthorities).where(eq(caAuthorities.role, role)).get();
  return row
    ? { cert: certFromPem(row.certPem), key: keyFromPem(decryptSecret(row.keyEnc, 'ca_authorities.key_enc')) }
    : null;
}

const creating = processWide('vault.creating', () => new WeakMap<Db, Promise<void>>());

/** Whether the root and the intermediate exist: until then there is nothing to sign Caddy's certificates with. */
export function hasCa(db: Db): boolean {
  return db.select({ role: caAuthorities.role }).from(caAuthorities).all().length === 2;
}

/** Makes the root and the intermediate if they are missing; concurrent calls share one run. */
export function ensureCa(db: Db, now = runtimeOf(db).clock()): Promise<void> {
  if (hasCa(db)) return Promise.resolve();
  const running = creating.get(db);
  if (running) return running;
  const run = (async () => {
    const label = caLabel(db);
    const [rootKey, interKey] = await Promise.all([newKey(3072), newKey(2048)]);
    const root = createRoot(label, rootKey, now);
    const inter = createIntermediate(label, interKey, { cert: root, key: rootKey }, caScope(db), now);
    db.transaction((tx) => {
      for (const [role, cert, key] of [
        ['root', root, rootKey],
        ['intermediate', inter, interKey],
      ] as const) {
        tx.insert(caAuthorities)
          .values({
            role,
            certPem: certToPem(cert),
            keyEnc: encryptSecret(keyToPem(key), 'ca_authorities.key_enc'),
            notAfter: cert.validity.notAfter,
            crlNumber: 0,
            createdAt: now,
          })
          .onConflictDoNothing()
          .run();
      }
    });
    publishCrl(db, now);
  })().finally(() => creating.delete(db));
  creating.set(db, run);
  return run;
}

/**
 * Signs the intermediate again (same key and name, so what it signed still chains) when its name
 * constraints no longer match the cell: a new domain, a cell set up before constraints,
 * a tunnel moved outside the private ranges. The root, and so every device's trust, stays.
 */
export function syncIntermediate(db: Db, now = runtimeOf(db).clock()): boolean {
  const current = pemOf(db, 'intermediate');
  if (!current) return false;
  const scope = caScope(db);
  // Checked on every Caddy apply: only the certificate is read until a new signature is needed.
  if (nameConstraintsOf(certFromPem(current)) === nameConstraintsDer(scope)) return false;
  const inter = authority(db, 'intermediate')!;
  const root = authority(db, 'root')!;
  // Under the same name as before, so what it signed keeps chaining to it (the setup site's leaf too).
  const label = String(inter.cert.subject.getField('CN')?.value ?? '').replace(/ intermediate CA$/, '');
  const cert = createIntermediate(label || caLabel(db), inter.key, root, scope, now);
  db.update(caAuthorities)
    .set({ certPem: certToPem(cert), notAfter: cert.validity.notAfter })
    .where(eq(caAuthorities.role, 'intermediate'))
    .run();
  return true;
}

export async function signer(db: Db): Promise<Authority> {
  await ensureCa(db);
  syncIntermediate(db);
  return authority(db, 'intermediate')!;
}

/** Signs a new CRL with every revoked certificate and a higher number. */
export function publishCrl(db: Db, now = runtimeOf(db).clock()): void {
  const issuer = authority(db, 'intermediate');
  const current = db.select().from(caAuthorities).where(eq(caAuthorities.role, 'intermediate')).get();
  if (!issuer || !current) return;
  const revoked = db
    .select({ serial: certificates.serial, revokedAt: certificates.revokedAt, reason: certificates.revokeReason })
    .from(certificates)
    .where(isNotNull(certificates.revokedAt))
    .all()
    .map((r) => ({ serial: r.serial, revokedAt: r.revokedAt!, reason: (r.reason ?? 'unspecified') as RevokeReason }));
  const number = current.crlNumber + 1;
  const nextUpdate = new Date(now.getTime() + CRL_VALIDITY);
  const der = buildCrl(issuer, revoked, number, now, nextUpdate);
  db.update(caAuthorities)
    .set({ crlNumber: number, crlDer: der.toString('base64'), crlNextUpdate: nextUpdate })
    .where(eq(caAuthorities.role, 'intermediate'))
    .run();
}

/** The loop's check: a CRL close to its next update is signed again. */
export function refreshCrlIfDue(db: Db, now = runtimeOf(db).clock()): boolean {
  const current = db
    .select({ next: caAuthorities.crlNextUpdate })
    .from(caAuthorities)
    .where(eq(caAuthorities.role, 'intermediate'))
    .get();
  if (!current || (current.next && current.next.getTime() - now.getTime() > CRL_RENEW_BEFORE)) return false;
  publishCrl(db, now);
  return true;
}

export function crl(db: Db): { der: Buffer; pem: string } | null {
  const r = db
    .select({ der: caAuthorities.crlDer })
    .from(caAuthorities)
    .where(eq(caAuthorities.role, 'intermediate'))
    .get();
  if (!r?.der) return null;
  const der = Buffer.from(r.der, 'base64');
  return { der, pem: crlToPem(der) };
}

export const pemOf = (db: Db, role: 'root' | 'intermediate') =>
  db.select({ pem: caAuthorities.certPem }).from(caAuthorities).where(eq(caAuthorities.role, role)).get()?.pem ?? null;

/** The intermediate then the root: what a server sends after its own certificate. */
export function chainPem(db: Db): string {
  return `${pemOf(db, 'intermediate') ?? ''}${pemOf(db, 'root') ?? ''}`;
}

export async function rootCertificate(db: Db) {
  await ensureCa(db);
  const root = certFromPem(pemOf(db, 'root')!);
  return {
    pem: pemOf(db, 'root')!,
    subject: root.subject.getField('CN')?.value as string,
    notAfter: root.validity.notAfter,
    /** SHA-256 of the DER, as devices show it when installing. */
    fingerprint: fingerprint(root),
  };
}
