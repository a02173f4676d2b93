import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settings } from '@/server/db/schema';
import { settleCertificate } from '@/server/managers/acme';
import { ensureCa } from '@/server/managers/vault';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';
// An ACME server that is not there: the DNS-01 modes' requests fail at once, never reaching the internet.
process.env.PIC_ACME_DIRECTORY = 'https://127.0.0.1:9/directory';

let db: Db;
let dir: string;
const caddy = () => JSON.parse(fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8'));

beforeAll(async () => {
  ({ db, dir } = freshCell());
  await setUp(db);
  await ensureCa(db);
}, 30_000);

it('switching modes re-renders Caddy: lan loads leaves the cell signed, cloudflare gets a DNS-01 wildcard, the token never comes back', async () => {
  await admin(db).domain.update({ domainMode: 'lan' });
  expect(caddy().apps.tls.automation).toBeUndefined();
  expect(
    caddy().apps.tls.certificates.load_files.map((f: { certificate: string }) => path.basename(f.certificate)),
  ).toEqual(['home.cell.crt', 'home.home.arpa.crt', 'setup.cell.crt']);
  expect(fs.readdirSync(path.join(dir, 'config', 'caddy', 'tls')).sort()).toEqual([
    'home.cell.crt',
    'home.cell.key',
    'home.home.arpa.crt',
    'home.home.arpa.key',
    'setup.cell.crt',
    'setup.cell.key',
  ]);
  expect(fs.statSync(path.join(dir, 'config', 'caddy', 'tls', 'home.cell.key')).mode & 0o777).toBe(0o600);
  expect(caddy().apps.http.servers.cell.routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);

  // One transaction: the refused mode change takes the ACME contact and the sources down with it.
  const missing = await expectCode(
    admin(db).domain.update({
      domainMode: 'cloudflare',
      domain: 'example.org',
      acmeEmail: 'lost@example.org',
      ddns: { sources: ['https://a.example.net', 'https://b.example.net'] },
    }),
    'BAD_REQUEST',
  );
  expect(missing.message).toBe('Cloudflare API token is required');
  expect(db.select().from(settings).get()!.domainMode).toBe('lan');
  expect((await admin(db).domain.get()).acmeEmail).toBeNull();
  expect((await admin(db).domain.get()).ddns.sources).not.toContain('https://a.example.net');

  const switched = await admin(db).domain.update({
    domainMode: 'cloudflare',
    domain: 'example.org',
    ddnsToken: 'cf-secret-token',
    acmeEmail: 'me@example.org',
    logLevel: 'DEBUG',
  });
  expect(switched).toMatchObject({
    domainMode: 'cloudflare',
    domain: 'example.org',
    hasToken: true,
    acmeEmail: 'me@example.org',
    logLevel: 'DEBUG',
  });
  expect(JSON.stringify(switched)).not.toContain('cf-secret-token');
  expect(JSON.stringify(await admin(db).settings.get())).not.toContain('cf-secret-token');
  // The cell is the ACME client for the wildcard (DNS-01): Caddy asks for none of the domain's
  // names, holds no token, and serves them once the cell has the certificate.
  expect(caddy().apps.tls.automation).toBeUndefined();
  expect(caddy().apps.http.servers.cell.automatic_https.skip_certificates).toEqual([
    'home.cell',
    'setup.cell',
    'example.org',
  ]);
  expect(JSON.stringify(caddy())).not.toContain('cf-secret-token');
  expect(switched.certificate).toMatchObject({ names: ['example.org', '*.example.org'], certificate: null });
  await settleCertificate();
  // The ACME server here answers nothing: the page says so, and the next attempt waits.
  const refused = (await admin(db).domain.get()).certificate!;
  expect(refused).toMatchObject({ certificate: null, failures: 1, requesting: false });
  expect(refused.lastError).toMatch(/ECONNREFUSED/);
  expect(refused.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
  expect(caddy().logging.logs.default.level).toBe('DEBUG');
  expect(fs.statSync(path.join(dir, 'config', 'caddy', 'caddy.json')).mode & 0o777).toBe(0o600);
  // In DNS modes only the .cell names (the cell's, and the one a bare address is shown) are the
  // cell's to sign; no CA key is ever in Caddy's folder.
  expect(fs.readdirSync(path.join(dir, 'config', 'caddy', 'tls')).sort()).toEqual([
    'home.cell.crt',
    'home.cell.key',
    'setup.cell.crt',
    'setup.cell.key',
  ]);
  expect(fs.existsSync(path.join(dir, 'config', 'caddy', 'pki'))).toBe(false);

  // Back to lan: the provider token is dropped, and Caddy's config no longer holds it.
  await admin(db).domain.update({ domainMode: 'lan' });
  expect((await admin(db).domain.get()).hasToken).toBe(false);
  expect(JSON.stringify(caddy())).not.toContain('cf-secret-token');
  expect(caddy().apps.http.servers.cell.routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);
}, 30_000);

it('validates the ACME contact and the address sources by field', async () => {
  expect(
    (await expectCode(admin(db).domain.update({ domainMode: 'lan', acmeEmail: 'not an email' }), 'BAD_REQUEST'))
      .message,
  ).toMatch(/^acmeEmail: /);
  expect(
    (
      await expectCode(
        admin(db).domain.update({ domainMode: 'lan', ddns: { sources: ['https://a.example', 'ftp://b.example'] } }),
        'BAD_REQUEST',
      )
    ).message,
  ).toMatch(/^ddns\.sources\.1: An https:\/\/ URL/);
});
