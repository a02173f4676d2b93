/**
 * The certificates Caddy serves for the names the cell's CA covers: short-lived, one per
 * host, signed here and handed over as files. Renewed by the vault loop before they lapse;
 * a host no longer routed loses its certificate.
 */
import { eq, inArray, not } from 'drizzle-orm';
import type { Db } from '../../db';
import { proxyCertificates } from '../../db/schema';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { crlUrl, DAY, pemOf, signer, syncIntermediate } from './authority';
import { certFromPem, certToPem, issueLeaf, keyToPem, newKey } from './x509';
import { runtimeOf } from '../../runtime/runtime';

export const PROXY_CERT_DAYS = 30;
/** Renewed when fewer than this many days are left. */
const RENEW_WITHIN = 10 * DAY;

export interface ProxyCertificate {
  /** The leaf, then the intermediate. */
  certPem: string;
  keyPem: string;
}

/**
 * Leaves whose chain holds an intermediate since signed again (a new domain): where the new
 * one vouches for the leaf (same key and name), only the chain is replaced. The leaf a browser
 * was shown stays the same (the setup site's, whose exception a person may have accepted).
 */
function rechain(db: Db): void {
  const inter = pemOf(db, 'intermediate');
  if (!inter) return;
  const issuer = certFromPem(inter);
  for (const r of db.select().from(proxyCertificates).all()) {
    if (r.certPem.endsWith(inter)) continue;
    // The first certificate of the chain is the leaf.
    const leaf = certFromPem(r.certPem);
    let vouched = false;
    try {
      vouched = issuer.verify(leaf);
    } catch {
      // Another issuer's name: the leaf is issued again below.
    }
    if (vouched)
      db.update(proxyCertificates)
        .set({ certPem: `${certToPem(leaf)}${inter}` })
        .where(eq(proxyCertificates.host, r.host))
        .run();
  }
}

/** Hosts whose certificate is missing, lapsing within the renewal window, or from an intermediate since re-signed. */
function due(db: Db, hosts: string[], now: Date): string[] {
  const inter = pemOf(db, 'intermediate') ?? '';
  const have = new Map(
    db
      .select()
      .from(proxyCertificates)
      .all()
      .map((r) => [r.host, r]),
  );
  return hosts.filter((h) => {
    const r = have.get(h);
    return !r || r.notAfter.getTime() - now.getTime() < RENEW_WITHIN || !r.certPem.endsWith(inter);
  });
}

/** Whether any stored proxy certificate needs renewing now (the loop's cheap check). */
export function proxyCertificatesDue(db: Db, now = runtimeOf(db).clock()): boolean {
  const hosts = db
    .select({ host: proxyCertificates.host })
    .from(proxyCertificates)
    .all()
    .map((r) => r.host);
  return due(db, hosts, now).length > 0;
}

/** A certificate for each host (issuing what is due), and none for hosts no longer listed. */
export async function proxyCertificatesFor(
  db: Db,
  hosts: string[],
  now = runtimeOf(db).clock(),
): Promise<Map<string, ProxyCertificate>> {
  // A new domain re-signs the intermediate first; leaves it still vouches for get the new chain.
  syncIntermediate(db, now);
  rechain(db);
  const todo = due(db, hosts, now);
  if (todo.length) {
    const issuer = await signer(db);
    const chain = certToPem(issuer.cert);
    for (const host of todo) {
      const key = await newKey(2048);
      const cert = issueLeaf(
        { kind: 'server', commonName: host, sans: [host], validityDays: PROXY_CERT_DAYS, crlUrl: crlUrl(db) },
        key,
        issuer,
        now,
      );
      const values = {
        certPem: `${certToPem(cert)}${chain}`,
        keyEnc: encryptSecret(keyToPem(key), 'proxy_certificates.key_enc'),
        notAfter: cert.validity.notAfter,
        createdAt: now,
      };
      db.insert(proxyCertificates)
        .values({ host, ...values })
        .onConflictDoUpdate({ target: proxyCertificates.host, set: values })
        .run();
    }
  }
  db.delete(proxyCertificates)
    .where(hosts.length ? not(inArray(proxyCertificates.host, hosts)) : undefined)
    .run();
  const rows = hosts.length
    ? db.select().from(proxyCertificates).where(inArray(proxyCertificates.host, hosts)).all()
    : [];
  return new Map(
    rows.map((r) => [r.host, { certPem: r.certPem, keyPem: decryptSecret(r.keyEnc, 'proxy_certificates.key_enc') }]),
  );
}
