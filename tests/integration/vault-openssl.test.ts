/**
 * The cell's CA judged by OpenSSL: chains verify, the intermediate's name constraints hold
 * even against its own key, a revoked certificate fails the CRL check, PKCS#12 opens, and a
 * peer's configuration profile is a signature S/MIME verifies over a plist Python reads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { eq } from 'drizzle-orm';
import forge from 'node-forge';
import { caAuthorities, proxyCertificates } from '@/server/db/schema';
import { decryptSecret } from '@/server/runtime/secrets';
import { crl, ensureCa, proxyCertificatesFor, refreshCrlIfDue, syncIntermediate } from '@/server/managers/vault';
import { certFromPem, certToPem, issueLeaf, keyFromPem, newKey } from '@/server/managers/vault/x509';
import { GET as getCrl } from '@/app/api/vault/crl/route';
import { GET as getRoot } from '@/app/api/vault/root/route';
import { signedProfile } from '@/server/managers/portal';
import { admin, expectCode, freshCell, setUp, useBackend } from '../helpers/db';
import { recordingBackend } from '../helpers/wireguard';
import { requireTools } from '../helpers/netns';

const firstPem = (pems: string) => /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\r?\n/.exec(pems)![0];
const ready = requireTools(
  'the certificate authority suite',
  ['openssl', 'python3'],
  'apt-get install openssl python3',
);

describe.skipIf(!ready)('certificates the cell issues, checked by openssl', () => {
  let db: Db;
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

  beforeAll(async () => {
    ({ db } = freshCell());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-ca-'));
    await setUp(db);
  }, 30_000);

  it('makes one root and one intermediate, even when asked twice at once', async () => {
    await Promise.all([ensureCa(db), ensureCa(db), admin(db).vault.root()]);
    expect(
      db
        .select()
        .from(caAuthorities)
        .all()
        .map((r) => r.role)
        .sort(),
    ).toEqual(['intermediate', 'root']);
    const root = await admin(db).vault.root();
    expect(root.subject).toBe('home root CA');
    expect(root.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const text = openssl('x509', '-in', file('root.pem', root.pem), '-noout', '-text').stdout;
    expect(text).toMatch(/CA:TRUE, pathlen:1/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(
      db
        .select()
        .from(caAuthorities)
        .all()
        .every((r) => !r.keyEnc.includes('PRIVATE KEY')),
    ).toBe(true);
  }, 30_000);

  it('issues a server certificate that verifies against the root, with its names and usages', async () => {
    const cert = await admin(db).vault.issue({
      commonName: 'nas.cell',
      sans: ['nas.cell', '*.home.home.arpa', '10.0.0.5', 'fd00::5'],
      validityDays: 90,
    });
    expect(cert).toMatchObject({
      id: expect.any(Number),
      kind: 'server',
      status: 'valid',
      certPem: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    expect(cert).not.toHaveProperty('keyEnc');
    const root = file('root.pem', (await admin(db).vault.root()).pem);
    const leaf = file('leaf.pem', cert.certPem);
    const chain = file('chain.pem', cert.chainPem);
    expect(openssl('verify', '-CAfile', root, '-untrusted', chain, leaf).stdout.trim()).toBe(`${leaf}: OK`);
    expect(openssl('verify', '-purpose', 'sslserver', '-CAfile', root, '-untrusted', chain, leaf).status).toBe(0);
    const ext = openssl(
      'x509',
      '-in',
      leaf,
      '-noout',
      '-ext',
      'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints',
    ).stdout;
    expect(ext).toContain('DNS:nas.cell, DNS:*.home.home.arpa, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5');
    expect(openssl('x509', '-in', leaf, '-noout', '-ext', 'crlDistributionPoints').stdout).toContain(
      'URI:http://home.home.arpa/api/vault/crl',
    );
    expect(ext).toContain('Digital Signature, Key Encipherment');
    expect(ext).toContain('TLS Web Server Authentication');
    expect(ext).toContain('CA:FALSE');
    const days =
      (new Date(openssl('x509', '-in', leaf, '-noout', '-enddate').stdout.split('=')[1]!).getTime() - Date.now()) /
      86_400_000;
    expect(Math.round(days)).toBe(90);
  }, 30_000);

  it('a revoked certificate fails the CRL check; the others still pass', async () => {
    const keep = await admin(db).vault.issue({ commonName: 'keep.cell', sans: ['keep.cell'] });
    const gone = await admin(db).vault.issue({ commonName: 'laptop', kind: 'client', sans: [] });
    const before = crl(db)!;
    const revoked = await admin(db).vault.revoke({ id: gone.id, reason: 'keyCompromise' });
    expect(revoked.status).toBe('revoked');
    await expectCode(admin(db).vault.revoke({ id: gone.id, reason: 'superseded' }), 'CONFLICT');

    const res = await getCrl(new (await import('next/server')).NextRequest('http://cell/api/vault/crl'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    const der = Buffer.from(await res.arrayBuffer());
    const crlText = openssl('crl', '-inform', 'DER', '-in', file('cell.crl', der), '-noout', '-text').stdout;
    expect(crlText).toContain(`Serial Number: ${gone.serial.toUpperCase()}`);
    expect(crlText).toContain('Key Compromise');
    expect(Number(/CRL Number: \n\s+(\d+)/.exec(crlText)![1])).toBeGreaterThan(
      Number(
        /CRL Number: \n\s+(\d+)/.exec(
          openssl('crl', '-inform', 'DER', '-in', file('old.crl', before.der), '-noout', '-text').stdout,
        )![1],
      ),
    );

    const pemRes = await getCrl(new (await import('next/server')).NextRequest('http://cell/api/vault/crl?format=pem'));
    const crlPem = file('cell.crl.pem', await pemRes.text());
    const root = file('root.pem', (await admin(db).vault.root()).pem);
    const chain = file('chain.pem', keep.chainPem);
    const check = (leaf: string) =>
      openssl(
        'verify',
        '-crl_check',
        '-CAfile',
        root,
        '-untrusted',
        chain,
        '-CRLfile',
        crlPem,
        file(`${leaf}.pem`, leaf === 'keep' ? keep.certPem : gone.certPem),
      );
    expect(check('keep').status).toBe(0);
    const failed = check('gone');
    expect(failed.status).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain('certificate revoked');
  }, 30_000);

  it('exports PEM and a PKCS#12 that openssl opens with its password only', async () => {
    const cert = await admin(db).vault.issue({ commonName: 'files.cell', sans: ['files.cell'] });
    const pem = Buffer.from((await admin(db).vault.export({ id: cert.id, format: 'pem' })).base64, 'base64').toString();
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect(pem).toContain('BEGIN RSA PRIVATE KEY');
    const bad = await expectCode(
      admin(db).vault.export({ id: cert.id, format: 'pkcs12', password: 'short' }),
      'BAD_REQUEST',
    );
    expect(bad.message).toMatch(/^password: /);
    const p12 = await admin(db).vault.export({ id: cert.id, format: 'pkcs12', password: 'a good password' });
    expect(p12.filename).toBe('files.cell.p12');
    const p12File = file('files.p12', Buffer.from(p12.base64, 'base64'));
    const opened = openssl('pkcs12', '-in', p12File, '-passin', 'pass:a good password', '-nodes');
    expect(opened.status).toBe(0);
    expect(opened.stdout).toContain('BEGIN PRIVATE KEY');
    expect(opened.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect(openssl('pkcs12', '-in', p12File, '-passin', 'pass:wrong password', '-nodes').status).not.toBe(0);
    // PBKDF2-SHA-256 with many iterations for the key and the certificates alike, and a SHA-256 MAC.
    const info = openssl('pkcs12', '-info', '-noout', '-in', p12File, '-passin', 'pass:a good password');
    const text = info.stdout + info.stderr;
    expect(text).toContain('MAC: sha256, Iteration 200000');
    expect(text).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 200000, PRF hmacWithSHA256');
    expect(text).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 200000, PRF hmacWithSHA256');
    expect(text).not.toContain('PKCS7 Data\nCertificate bag');
  }, 60_000);

  it('the intermediate carries critical name constraints that openssl enforces even against its own key', async () => {
    const chain = (await admin(db).vault.issue({ commonName: 'ok.cell', sans: ['ok.cell'] })).chainPem;
    const interPem = firstPem(chain);
    const text = openssl('x509', '-in', file('inter.pem', interPem), '-noout', '-text').stdout;
    expect(text).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:cell\s+DNS:home\.home\.arpa\s+IP:10\.0\.0\.0\/255\.0\.0\.0\s+IP:172\.16\.0\.0\/255\.240\.0\.0\s+IP:192\.168\.0\.0\/255\.255\.0\.0\s+IP:FC00:0:0:0:0:0:0:0\/FE00:0:0:0:0:0:0:0/,
    );
    // Forged: a leaf for a foreign name signed with the intermediate's key directly, bypassing the vault.
    const row = db.select().from(caAuthorities).where(eq(caAuthorities.role, 'intermediate')).get()!;
    const issuer = {
      cert: certFromPem(row.certPem),
      key: keyFromPem(decryptSecret(row.keyEnc, 'ca_authorities.key_enc')),
    };
    const root = file('root.pem', (await admin(db).vault.root()).pem);
    const forge1 = async (name: string) =>
      certToPem(
        issueLeaf(
          { kind: 'server', commonName: name, sans: [name], validityDays: 30, crlUrl: 'http://x/crl' },
          await newKey(2048),
          issuer,
        ),
      );
    const forged = openssl(
      'verify',
      '-CAfile',
      root,
      '-untrusted',
      file('i.pem', interPem),
      file('forged.pem', await forge1('bank.example.com')),
    );
    expect(forged.status).not.toBe(0);
    expect(forged.stdout + forged.stderr).toContain('permitted subtree violation');
    const forgedIp = openssl(
      'verify',
      '-CAfile',
      root,
      '-untrusted',
      file('i.pem', interPem),
      file('forged-ip.pem', await forge1('8.8.8.8')),
    );
    expect(forgedIp.stdout + forgedIp.stderr).toContain('permitted subtree violation');
    expect(
      openssl(
        'verify',
        '-CAfile',
        root,
        '-untrusted',
        file('i.pem', interPem),
        file('inside.pem', await forge1('deep.name.home.home.arpa')),
      ).status,
    ).toBe(0);
  }, 60_000);

  it.each([['*'], ['*.com'], ['www.example.net'], ['8.8.8.8'], ['cell.evil.org']])(
    'vault.issue refuses %s at the field',
    async (name) => {
      const err = await expectCode(admin(db).vault.issue({ commonName: 'x', sans: [name] }), 'BAD_REQUEST');
      expect(err.message).toContain(`${name} is outside what the cell's CA signs`);
      expect((err as unknown as { cause: { field: string } }).cause.field).toBe('sans');
      const cn = await expectCode(
        admin(db).vault.issue({ commonName: 'laptop.example.net', kind: 'client' }),
        'BAD_REQUEST',
      );
      expect((cn as unknown as { cause: { field: string } }).cause.field).toBe('commonName');
    },
  );

  it('a new domain re-signs the intermediate with the same root and key: new names verify, old ones no longer do', async () => {
    const old = await admin(db).vault.issue({ commonName: 'www.home.home.arpa', sans: ['www.home.home.arpa'] });
    const rootBefore = await admin(db).vault.root();
    expect(syncIntermediate(db)).toBe(false);
    await admin(db).settings.update({
      cellName: 'home',
      timezone: 'UTC',
      domainMode: 'http01',
      domain: 'new.example.net',
    });
    expect(syncIntermediate(db)).toBe(false);
    expect((await admin(db).vault.root()).fingerprint).toBe(rootBefore.fingerprint);
    const fresh = await admin(db).vault.issue({ commonName: 'www.new.example.net', sans: ['www.new.example.net'] });
    const root = file('root.pem', rootBefore.pem);
    const chain = file('chain2.pem', fresh.chainPem);
    expect(openssl('verify', '-CAfile', root, '-untrusted', chain, file('fresh.pem', fresh.certPem)).status).toBe(0);
    const stale = openssl('verify', '-CAfile', root, '-untrusted', chain, file('stale.pem', old.certPem));
    expect(stale.stdout + stale.stderr).toContain('permitted subtree violation');
    await expectCode(admin(db).vault.issue({ commonName: 'x', sans: ['www.home.home.arpa'] }), 'BAD_REQUEST');
    // Caddy's leaves follow: issued by the re-signed intermediate, for the new names.
    const certs = await proxyCertificatesFor(db, ['new.example.net', 'home.cell']);
    expect([...certs.keys()].sort()).toEqual(['home.cell', 'new.example.net']);
    expect(certs.get('home.cell')!.certPem.endsWith(firstPem(fresh.chainPem))).toBe(true);
    expect(db.select().from(proxyCertificates).all()).toHaveLength(2);
    expect(
      forge.pki.certificateFromPem(certs.get('home.cell')!.certPem).validity.notAfter.getTime() - Date.now(),
    ).toBeLessThan(31 * 86_400_000);
  }, 60_000);

  it('renews with a new key and serial, lists status, and serves the root over HTTP', async () => {
    const first = await admin(db).vault.issue({ commonName: 'cal.cell', sans: ['cal.cell'], validityDays: 20 });
    expect(first.status).toBe('expiring');
    const renewed = await admin(db).vault.renew({ id: first.id });
    expect(renewed).toMatchObject({ renewedFrom: first.id, commonName: 'cal.cell', sans: ['cal.cell'] });
    expect(renewed.serial).not.toBe(first.serial);
    const listed = await admin(db).vault.list();
    expect(listed.find((c) => c.id === first.id)!.status).toBe('expiring');
    await expectCode(admin(db).vault.renew({ id: 999 }), 'NOT_FOUND');

    const res = await getRoot(new (await import('next/server')).NextRequest('http://cell/api/vault/root'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe((await admin(db).vault.root()).pem);
    expect(
      execFileSync('openssl', ['x509', '-noout', '-subject'], {
        input: (await admin(db).vault.root()).pem,
        encoding: 'utf8',
      }),
    ).toContain('home root CA');
  }, 30_000);

  it('signs the CRL again when its next update is near, with a higher number', () => {
    const number = () =>
      db
        .select()
        .from(caAuthorities)
        .all()
        .find((r) => r.role === 'intermediate')!.crlNumber;
    const before = number();
    expect(refreshCrlIfDue(db)).toBe(false);
    expect(refreshCrlIfDue(db, new Date(Date.now() + 6 * 86_400_000))).toBe(true);
    expect(number()).toBe(before + 1);
  });

  it("a peer's configuration profile verifies as S/MIME against the root, and its content is a plist with the payloads", async () => {
    useBackend(db, recordingBackend().backend);
    const { id } = await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' });
    const login = await admin(db).peers.createLogin({ peerId: id, username: 'alice', mode: 'link' });
    const { der } = await signedProfile(db, login.userId);
    const root = file('profile-root.pem', (await admin(db).vault.root()).pem);
    const out = path.join(dir, 'profile.plist');
    const smimeVerify = (ca: string, ...more: string[]) =>
      openssl('smime', '-verify', '-inform', 'DER', '-in', file('profile.der', der), '-CAfile', ca, ...more);
    const verified = smimeVerify(root, '-out', out);
    expect(verified.stderr).toMatch(/Verification successful/);
    const readPlist = `import json, plistlib, sys
d = plistlib.load(open(sys.argv[1], 'rb'))
print(json.dumps(d, default=lambda v: v.hex() if isinstance(v, bytes) else str(v)))`;
    const plist = JSON.parse(execFileSync('python3', ['-c', readPlist, out], { encoding: 'utf8' })) as {
      PayloadType: string;
      PayloadContent: Record<string, unknown>[];
    };
    expect(plist.PayloadType).toBe('Configuration');
    expect(plist.PayloadContent.map((p) => p.PayloadType)).toEqual([
      'com.apple.security.root',
      'com.apple.vpn.managed',
    ]);
    const rootDer = new X509Certificate(fs.readFileSync(root)).raw.toString('hex');
    expect(plist.PayloadContent[0]!.PayloadContent).toBe(rootDer);
    expect(plist.PayloadContent[1]).toMatchObject({ VPNSubType: 'com.wireguard.ios', VPNType: 'VPN' });
    expect(String((plist.PayloadContent[1]!.VendorConfig as { WgQuickConfig: string }).WgQuickConfig)).toMatch(
      /^\[Interface\][\s\S]*PrivateKey = [A-Za-z0-9+/]{43}=/m,
    );
    // Someone else's profile signed with another key is refused by the same check.
    const stranger = smimeVerify(file('other.pem', otherRootPem()));
    expect(stranger.stderr).not.toMatch(/Verification successful/);
  }, 60_000);
});

/** A root certificate the cell did not make. */
function otherRootPem(): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'someone else' }]);
  cert.setIssuer([{ name: 'commonName', value: 'someone else' }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
