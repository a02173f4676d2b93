/** Certificates store services serve themselves: issued once, again when the names change or the end nears, forgotten with their owner. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { serviceCertificates } from '@/server/db/schema';
import { ensureCa, keepServiceCertificates, rootCertificate, serviceCertificate } from '@/server/managers/vault';
import { certFromPem } from '@/server/managers/vault/x509';
import { freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeAll(async () => {
  db = freshCell().db;
  await setUp(db);
  await ensureCa(db);
});

const DAY = 86_400_000;
const sans = (pem: string) =>
  (certFromPem(pem).getExtension('subjectAltName') as { altNames: { value: string }[] }).altNames.map((a) => a.value);

it('issues once for the names, again when they change or fewer than 10 days are left, and verifies against the root', async () => {
  const now = new Date();
  const first = await serviceCertificate(db, 'mail', ['mail.home.home.arpa'], now);
  expect(sans(first.certPem)).toEqual(['mail.home.home.arpa']);
  expect((await serviceCertificate(db, 'mail', ['mail.home.home.arpa'], new Date(now.getTime() + DAY))).certPem).toBe(
    first.certPem,
  );
  // openssl checks the chain the service sends against the cell's root.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-svc-cert-'));
  fs.writeFileSync(path.join(dir, 'root.pem'), (await rootCertificate(db)).pem);
  const [leaf, inter] = first.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  fs.writeFileSync(path.join(dir, 'leaf.pem'), leaf!);
  fs.writeFileSync(path.join(dir, 'inter.pem'), inter!);
  const verified = execFileSync(
    'openssl',
    [
      'verify',
      '-CAfile',
      `${dir}/root.pem`,
      '-untrusted',
      `${dir}/inter.pem`,
      '-verify_hostname',
      'mail.home.home.arpa',
      `${dir}/leaf.pem`,
    ],
    { encoding: 'utf8' },
  );
  expect(verified.trim()).toBe(`${dir}/leaf.pem: OK`);

  const renamed = await serviceCertificate(db, 'mail', ['mail.home.home.arpa', 'smtp.home.home.arpa'], now);
  expect(sans(renamed.certPem)).toEqual(['mail.home.home.arpa', 'smtp.home.home.arpa']);
  const late = new Date(now.getTime() + 21 * DAY);
  const renewed = await serviceCertificate(db, 'mail', ['mail.home.home.arpa', 'smtp.home.home.arpa'], late);
  expect(renewed.certPem).not.toBe(renamed.certPem);
  expect(certFromPem(renewed.certPem).validity.notAfter.getTime()).toBeGreaterThan(late.getTime() + 29 * DAY);

  await serviceCertificate(db, 'mail-2', ['mail2.home.home.arpa'], now);
  keepServiceCertificates(db, ['mail-2']);
  expect(
    db
      .select()
      .from(serviceCertificates)
      .all()
      .map((r) => r.owner),
  ).toEqual(['mail-2']);
  fs.rmSync(dir, { recursive: true, force: true });
});
