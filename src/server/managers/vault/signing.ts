/**
 * The cell's signature on what it hands out (a peer's configuration profile): a PKCS#7
 * SignedData with the content inside, by a signing certificate from the cell's own CA,
 * issued once and renewed before it ends. Its key never leaves the vault.
 */
import forge from 'node-forge';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db';
import { certificates } from '../../db/schema';
import { decryptSecret } from '../../runtime/secrets';
import { runtimeOf } from '../../runtime/runtime';
import { cellFacts } from '../cell';
import { pemOf } from './authority';
import { EXPIRING_WITHIN, issueRow } from './certificates';
import { certFromPem, keyFromPem } from './x509';

const SIGNING_DAYS = 397;

async function signingRow(db: Db, now: Date) {
  const current = db
    .select()
    .from(certificates)
    .where(
      and(
        eq(certificates.kind, 'signing'),
        isNull(certificates.revokedAt),
        gt(certificates.notAfter, new Date(now.getTime() + EXPIRING_WITHIN)),
      ),
    )
    .orderBy(desc(certificates.id))
    .get();
  if (current) return current;
  // A common name with spaces is no host name, so the intermediate's name constraints leave it be.
  const commonName = `${cellFacts(db).name} profile signing`;
  return issueRow(db, { kind: 'signing', commonName, sans: [], validityDays: SIGNING_DAYS }, null, now);
}

/** Signs the content: DER of a PKCS#7 SignedData that holds it, the signer and its intermediate. */
export async function signContent(db: Db, content: Buffer, now = runtimeOf(db).clock()): Promise<Buffer> {
  const row = await signingRow(db, now);
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  const certificate = certFromPem(row.certPem);
  p7.addCertificate(certificate);
  const intermediate = pemOf(db, 'intermediate');
  if (intermediate) p7.addCertificate(certFromPem(intermediate));
  p7.addSigner({
    key: keyFromPem(decryptSecret(row.keyEnc, 'certificates.key_enc')),
    certificate,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
      { type: forge.pki.oids.messageDigest! },
      { type: forge.pki.oids.signingTime!, value: now as unknown as string },
    ],
  });
  p7.sign();
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}
