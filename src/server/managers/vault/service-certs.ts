/**
 * Certificates store services serve themselves (mail's IMAP and submission): one per
 * instance, for the full names its manifest asks for, signed by the cell's intermediate and
 * issued again when the names change, when fewer than 10 days are left, or when the
 * intermediate was signed again. Phones that trust the cell's root trust these.
 */
import { eq, not, inArray } from 'drizzle-orm';
import type { Db } from '../../db';
import { serviceCertificates } from '../../db/schema';
import { runtimeOf } from '../../runtime/runtime';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { crlUrl, DAY, pemOf, signer, syncIntermediate } from './authority';
import type { ProxyCertificate } from './proxy-certs';
import { certToPem, issueLeaf, keyToPem, newKey } from './x509';

export const SERVICE_CERT_DAYS = 30;
const RENEW_WITHIN = 10 * DAY;
const SLOT = 'service_certificates.key_enc';

/** The owner's certificate for `hosts`, issued now if it is missing or due. */
export async function serviceCertificate(
  db: Db,
  owner: string,
  hosts: string[],
  now = runtimeOf(db).clock(),
): Promise<ProxyCertificate> {
  syncIntermediate(db, now);
  const inter = pemOf(db, 'intermediate') ?? '';
  let row = db.select().from(serviceCertificates).where(eq(serviceCertificates.owner, owner)).get();
  const due =
    !row ||
    row.hosts.join(' ') !== hosts.join(' ') ||
    row.notAfter.getTime() - now.getTime() < RENEW_WITHIN ||
    !row.certPem.endsWith(inter);
  if (due) {
    const issuer = await signer(db);
    const key = await newKey(2048);
    const cert = issueLeaf(
      { kind: 'server', commonName: hosts[0]!, sans: hosts, validityDays: SERVICE_CERT_DAYS, crlUrl: crlUrl(db) },
      key,
      issuer,
      now,
    );
    const values = {
      hosts,
      certPem: `${certToPem(cert)}${certToPem(issuer.cert)}`,
      keyEnc: encryptSecret(keyToPem(key), SLOT),
      notAfter: cert.validity.notAfter,
      createdAt: now,
    };
    db.insert(serviceCertificates)
      .values({ owner, ...values })
      .onConflictDoUpdate({ target: serviceCertificates.owner, set: values })
      .run();
    row = { owner, ...values };
  }
  return { certPem: row!.certPem, keyPem: decryptSecret(row!.keyEnc, SLOT) };
}

/** Forgets the certificates of owners no longer there. */
export function keepServiceCertificates(db: Db, owners: string[]): void {
  db.delete(serviceCertificates)
    .where(owners.length ? not(inArray(serviceCertificates.owner, owners)) : undefined)
    .run();
}
