/**
 * The cell's ACME account key and its certificate for the domain, kept with its other secrets
 * (`secrets/acme/`, so a backup carries them): keys 0600, never handed to anyone but Caddy.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../runtime/fs-atomic';
import type { CellPaths } from '../../runtime/paths';

export interface DomainCertificate {
  certPem: string;
  keyPem: string;
  names: string[];
  notBefore: Date;
  notAfter: Date;
  issuer: string;
}

const folder = (paths: CellPaths) => path.join(paths.secrets(), 'acme');
const files = (paths: CellPaths, domain: string) => ({
  cert: path.join(folder(paths), `${domain}.crt`),
  key: path.join(folder(paths), `${domain}.key`),
});

/** The names one certificate covers in a DNS-01 mode: the domain and every name under it. */
export const wildcardNames = (domain: string) => [domain, `*.${domain}`];

/** The account key (ECDSA P-256), made at the first request. */
export function accountKey(paths: CellPaths): string {
  const file = path.join(folder(paths), 'account.key');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  fs.mkdirSync(folder(paths), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, pem, 0o600);
  return pem;
}

/** A new key for the certificate (ECDSA P-256, as Caddy makes its own). */
export function certificateKey(): string {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** What a PEM chain's leaf says: its names, its lifetime and who issued it; null when it cannot be read. */
export function describeLeaf(certPem: string): Omit<DomainCertificate, 'certPem' | 'keyPem'> | null {
  try {
    const leaf = new crypto.X509Certificate(certPem);
    const names = (leaf.subjectAltName ?? '')
      .split(', ')
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    return {
      names,
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
      issuer: leaf.issuer.replace(/\n/g, ', '),
    };
  } catch {
    return null;
  }
}

/** The stored certificate for `domain` when it covers the domain and its wildcard and its key matches; else null. */
export function storedCertificate(paths: CellPaths, domain: string): DomainCertificate | null {
  const f = files(paths, domain);
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = [fs.readFileSync(f.cert, 'utf8'), fs.readFileSync(f.key, 'utf8')];
  } catch {
    return null;
  }
  const leaf = describeLeaf(certPem);
  if (!leaf || !wildcardNames(domain).every((n) => leaf.names.includes(n))) return null;
  try {
    if (!new crypto.X509Certificate(certPem).checkPrivateKey(crypto.createPrivateKey(keyPem))) return null;
  } catch {
    return null;
  }
  return { certPem, keyPem, ...leaf };
}

/** Keeps the new certificate and its key; another domain's files (the domain changed) go. */
export function storeCertificate(paths: CellPaths, domain: string, certPem: string, keyPem: string): void {
  const f = files(paths, domain);
  fs.mkdirSync(folder(paths), { recursive: true, mode: 0o700 });
  writeFileAtomic(f.key, keyPem, 0o600);
  writeFileAtomic(f.cert, certPem, 0o644);
  const keep = new Set([path.basename(f.cert), path.basename(f.key), 'account.key']);
  for (const name of fs.readdirSync(folder(paths)))
    if (!keep.has(name) && /\.(crt|key)$/.test(name)) fs.rmSync(path.join(folder(paths), name), { force: true });
}
