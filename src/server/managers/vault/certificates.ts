/** Certificates the admin issues from the Vault page: issue, renew, revoke, export. */
import { and, count, desc, eq, isNull, lte } from 'drizzle-orm';
import { parseAddress } from '@/lib/cidr';
import { isHostName } from '@/lib/schemas/common';
import type { IssueInput, RevokeReason } from '@/lib/schemas/vault';
import type { Db } from '../../db';
import { certificates } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { caScope, chainPem, crlUrl, DAY, ensureCa, inScope, pemOf, publishCrl, signer } from './authority';
import { toPkcs12 } from './pkcs12';
import { certFromPem, certToPem, issueLeaf, keyFromPem, keyToPem, newKey } from './x509';
import { runtimeOf } from '../../runtime/runtime';

export const EXPIRING_WITHIN = 30 * DAY;

/** Certificates still in force that end within `within` (EXPIRING_WITHIN by default). */
export function countExpiring(db: Db, now = runtimeOf(db).clock(), within = EXPIRING_WITHIN): number {
  return (
    db
      .select({ n: count() })
      .from(certificates)
      .where(and(isNull(certificates.revokedAt), lte(certificates.notAfter, new Date(now.getTime() + within))))
      .get()?.n ?? 0
  );
}

type CertRow = typeof certificates.$inferSelect;

function assertInScope(db: Db, req: Pick<IssueInput, 'commonName' | 'sans'>): void {
  const scope = caScope(db);
  const outside = (n: string) => !inScope(n, scope);
  const what = `the cell's CA signs only names under .cell or ${scope.dns[1]} and private addresses`;
  const badSan = req.sans.find(outside);
  if (badSan) throw new ValidationError(`${badSan} is outside what ${what}`, 'sans');
  // A common name that reads as a DNS name is checked too: verifiers treat it as one when there are no SANs.
  const cn = req.commonName.toLowerCase();
  if (
    (parseAddress(cn) || (cn.includes('.') && isHostName(cn, { wildcard: true })) || cn.includes('*')) &&
    outside(cn)
  ) {
    throw new ValidationError(`${req.commonName} is outside what ${what}`, 'commonName');
  }
}

export function statusOf(
  row: Pick<CertRow, 'revokedAt' | 'notAfter'>,
  now = new Date(),
): 'valid' | 'expiring' | 'expired' | 'revoked' {
  if (row.revokedAt) return 'revoked';
  const left = row.notAfter.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= EXPIRING_WITHIN ? 'expiring' : 'valid';
}

function view(row: CertRow, now = new Date()) {
  const { keyEnc: _secret, ...rest } = row;
  return { ...rest, status: statusOf(row, now) };
}

export function listCertificates(db: Db, now = runtimeOf(db).clock()) {
  return db
    .select()
    .from(certificates)
    .orderBy(desc(certificates.id))
    .all()
    .map((r) => view(r, now));
}

function row(db: Db, id: number): CertRow {
  const r = db.select().from(certificates).where(eq(certificates.id, id)).get();
  if (!r) throw new NotFoundError(`Certificate ${id} not found`);
  return r;
}

type IssueRequest = Omit<IssueInput, 'kind'> & { kind: CertRow['kind'] };

export async function issueRow(db: Db, req: IssueRequest, renewedFrom: number | null, now: Date): Promise<CertRow> {
  assertInScope(db, req);
  const issuer = await signer(db);
  const key = await newKey(2048);
  // A server certificate always names its common name too: browsers read only the SANs.
  const sans = [
    ...new Set([...(req.kind === 'server' && !req.sans.length ? [req.commonName.toLowerCase()] : []), ...req.sans]),
  ];
  const cert = issueLeaf({ ...req, sans, crlUrl: crlUrl(db) }, key, issuer, now);
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
export async function issueCertificate(db: Db, req: IssueInput, now = runtimeOf(db).clock()) {
  const r = await issueRow(db, req, null, now);
  return { ...view(r, now), chainPem: chainPem(db) };
}

/** A new certificate (new key and serial) for the same names and lifetime; the old one stays until revoked. */
export async function renewCertificate(db: Db, id: number, now = runtimeOf(db).clock()) {
  const old = row(db, id);
  if (old.revokedAt) throw new ConflictError(`Certificate ${id} is revoked: issue a new one instead`);
  const days = Math.max(1, Math.round((old.notAfter.getTime() - old.notBefore.getTime()) / DAY));
  const r = await issueRow(
    db,
    { kind: old.kind, commonName: old.commonName, sans: old.sans, validityDays: Math.min(days, 825) },
    old.id,
    now,
  );
  return { ...view(r, now), chainPem: chainPem(db) };
}

/** Revoking and publishing the CRL that lists it are one transaction: a crash leaves both or neither. */
export async function revokeCertificate(db: Db, id: number, reason: RevokeReason, now = runtimeOf(db).clock()) {
  await ensureCa(db);
  const updated = db.transaction(
    (tx) => {
      const t = tx as unknown as Db;
      const r = row(t, id);
      if (r.revokedAt) throw new ConflictError(`Certificate ${id} was already revoked on ${r.revokedAt.toISOString()}`);
      const out = tx
        .update(certificates)
        .set({ revokedAt: now, revokeReason: reason })
        .where(eq(certificates.id, id))
        .returning()
        .get();
      publishCrl(t, now);
      return out;
    },
    { behavior: 'immediate' },
  );
  return view(updated, now);
}

/** PEM (certificate, chain, key) or a password-protected PKCS#12. */
export function exportCertificate(db: Db, id: number, format: 'pem' | 'pkcs12', password?: string) {
  const r = row(db, id);
  const keyPem = decryptSecret(r.keyEnc, 'certificates.key_enc');
  const base = r.commonName.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (format === 'pem') {
    return {
      filename: `${base}.pem`,
      mime: 'application/x-pem-file',
      base64: Buffer.from(`${r.certPem}${chainPem(db)}${keyPem}`).toString('base64'),
    };
  }
  const chain = [
    certFromPem(r.certPem),
    ...[pemOf(db, 'intermediate'), pemOf(db, 'root')].filter((p): p is string => p !== null).map(certFromPem),
  ];
  const p12 = toPkcs12(keyFromPem(keyPem), chain, password!, r.commonName);
  return { filename: `${base}.p12`, mime: 'application/x-pkcs12', base64: p12.toString('base64') };
}
