/**
 * The cell's certificate authority: a root made once (after setup, or at the first start
 * of an older cell), an intermediate that signs day to day, issued certificates with
 * their keys encrypted at rest, revocation, and a CRL kept fresh.
 */
import { desc, eq, isNotNull } from 'drizzle-orm';
import type { IssueInput, RevokeReason } from '@/lib/schemas/vault';
import type { Db } from '../../db';
import { caAuthorities, certificates, settings } from '../../db/schema';
import { ConflictError, InvalidStateError, NotFoundError } from '../../errors';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { buildCrl, certFromPem, certToPem, createIntermediate, createRoot, crlToPem, fingerprint, issueLeaf, keyFromPem, keyToPem, newKey, toPkcs12, type Authority } from './x509';

const DAY = 86_400_000;
/** The CRL is valid a week and renewed when less than two days are left. */
const CRL_VALIDITY = 7 * DAY;
const CRL_RENEW_BEFORE = 2 * DAY;
export const EXPIRING_WITHIN = 30 * DAY;

type CertRow = typeof certificates.$inferSelect;

function authority(db: Db, role: 'root' | 'intermediate'): Authority | null {
  const row = db.select().from(caAuthorities).where(eq(caAuthorities.role, role)).get();
  return row ? { cert: certFromPem(row.certPem), key: keyFromPem(decryptSecret(row.keyEnc, 'ca_authorities.key_enc')) } : null;
}

const creating = new WeakMap<Db, Promise<void>>();

/** Makes the root and the intermediate if they are missing; concurrent calls share one run. */
export function ensureCa(db: Db, now = new Date()): Promise<void> {
  if (db.select({ role: caAuthorities.role }).from(caAuthorities).all().length === 2) return Promise.resolve();
  const running = creating.get(db);
  if (running) return running;
  const run = (async () => {
    const cell = db.select({ name: settings.cellName }).from(settings).where(eq(settings.id, 1)).get();
    if (!cell) throw new InvalidStateError('The cell is not set up yet');
    const [rootKey, interKey] = await Promise.all([newKey(3072), newKey(2048)]);
    const root = createRoot(cell.name, rootKey, now);
    const inter = createIntermediate(cell.name, interKey, { cert: root, key: rootKey }, now);
    db.transaction((tx) => {
      for (const [role, cert, key] of [
        ['root', root, rootKey],
        ['intermediate', inter, interKey],
      ] as const) {
        tx.insert(caAuthorities)
          .values({ role, certPem: certToPem(cert), keyEnc: encryptSecret(keyToPem(key), 'ca_authorities.key_enc'), notAfter: cert.validity.notAfter, crlNumber: 0, createdAt: now })
          .onConflictDoNothing()
          .run();
      }
    });
    publishCrl(db, now);
  })().finally(() => creating.delete(db));
  creating.set(db, run);
  return run;
}

async function signer(db: Db): Promise<Authority> {
  await ensureCa(db);
  return authority(db, 'intermediate')!;
}

export function statusOf(row: Pick<CertRow, 'revokedAt' | 'notAfter'>, now = new Date()): 'valid' | 'expiring' | 'expired' | 'revoked' {
  if (row.revokedAt) return 'revoked';
  const left = row.notAfter.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= EXPIRING_WITHIN ? 'expiring' : 'valid';
}

function view(row: CertRow, now = new Date()) {
  const { keyEnc: _secret, ...rest } = row;
  return { ...rest, status: statusOf(row, now) };
}

export function listCertificates(db: Db, now = new Date()) {
  return db.select().from(certificates).orderBy(desc(certificates.id)).all().map((r) => view(r, now));
}

function row(db: Db, id: number): CertRow {
  const r = db.select().from(certificates).where(eq(certificates.id, id)).get();
  if (!r) throw new NotFoundError(`Certificate ${id} not found`);
  return r;
}

async function issueRow(db: Db, req: IssueInput, renewedFrom: number | null, now: Date): Promise<CertRow> {
  const issuer = await signer(db);
  const key = await newKey(2048);
  // A server certificate always names its common name too: browsers read only the SANs.
  const sans = [...new Set([...(req.kind === 'server' && !req.sans.length ? [req.commonName.toLowerCase()] : []), ...req.sans])];
  const cert = issueLeaf({ ...req, sans }, key, issuer, now);
  return db
    .insert(certificates)
    .values({
      kind: req.kind,
      commonName: req.commonName,
      sans,
      serial: cert.serialNumber,
      certPem: certToPem(cert),
      keyEnc: encryptSecret(keyToPem(key), 'certificates.key_enc'),
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
      renewedFrom,
      createdAt: now,
    })
    .returning()
    .get();
}

/** Issues a certificate; returns it with its id, PEM and chain (never the key). */
export async function issueCertificate(db: Db, req: IssueInput, now = new Date()) {
  const r = await issueRow(db, req, null, now);
  return { ...view(r, now), chainPem: chainPem(db) };
}

/** A new certificate (new key and serial) for the same names and lifetime; the old one stays until revoked. */
export async function renewCertificate(db: Db, id: number, now = new Date()) {
  const old = row(db, id);
  if (old.revokedAt) throw new ConflictError(`Certificate ${id} is revoked: issue a new one instead`);
  const days = Math.max(1, Math.round((old.notAfter.getTime() - old.notBefore.getTime()) / DAY));
  const r = await issueRow(db, { kind: old.kind, commonName: old.commonName, sans: old.sans, validityDays: Math.min(days, 825) }, old.id, now);
  return { ...view(r, now), chainPem: chainPem(db) };
}

export async function revokeCertificate(db: Db, id: number, reason: RevokeReason, now = new Date()) {
  const r = row(db, id);
  if (r.revokedAt) throw new ConflictError(`Certificate ${id} was already revoked on ${r.revokedAt.toISOString()}`);
  await ensureCa(db);
  const updated = db.update(certificates).set({ revokedAt: now, revokeReason: reason }).where(eq(certificates.id, id)).returning().get();
  publishCrl(db, now);
  return view(updated, now);
}

/** Signs a new CRL with every revoked certificate and a higher number. */
export function publishCrl(db: Db, now = new Date()): void {
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
  db.update(caAuthorities).set({ crlNumber: number, crlDer: der.toString('base64'), crlNextUpdate: nextUpdate }).where(eq(caAuthorities.role, 'intermediate')).run();
}

/** The loop's check: a CRL close to its next update is signed again. */
export function refreshCrlIfDue(db: Db, now = new Date()): boolean {
  const current = db.select({ next: caAuthorities.crlNextUpdate }).from(caAuthorities).where(eq(caAuthorities.role, 'intermediate')).get();
  if (!current || (current.next && current.next.getTime() - now.getTime() > CRL_RENEW_BEFORE)) return false;
  publishCrl(db, now);
  return true;
}

export function crl(db: Db): { der: Buffer; pem: string } | null {
  const r = db.select({ der: caAuthorities.crlDer }).from(caAuthorities).where(eq(caAuthorities.role, 'intermediate')).get();
  if (!r?.der) return null;
  const der = Buffer.from(r.der, 'base64');
  return { der, pem: crlToPem(der) };
}

const pemOf = (db: Db, role: 'root' | 'intermediate') => db.select({ pem: caAuthorities.certPem }).from(caAuthorities).where(eq(caAuthorities.role, role)).get()?.pem ?? null;

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

/** PEM (certificate, chain, key) or a password-protected PKCS#12. */
export function exportCertificate(db: Db, id: number, format: 'pem' | 'pkcs12', password?: string) {
  const r = row(db, id);
  const keyPem = decryptSecret(r.keyEnc, 'certificates.key_enc');
  const base = r.commonName.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (format === 'pem') {
    return { filename: `${base}.pem`, mime: 'application/x-pem-file', base64: Buffer.from(`${r.certPem}${chainPem(db)}${keyPem}`).toString('base64') };
  }
  const chain = [certFromPem(r.certPem), ...[pemOf(db, 'intermediate'), pemOf(db, 'root')].filter((p): p is string => p !== null).map(certFromPem)];
  const p12 = toPkcs12(keyFromPem(keyPem), chain, password!, r.commonName);
  return { filename: `${base}.p12`, mime: 'application/x-pkcs12', base64: p12.toString('base64') };
}
