import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settings } from '@/server/db/schema';
import { ensureCa } from '@/server/managers/vault';
import { admin, expectCode, freshCell, setUp } from '../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

let db: Db;
let dir: string;
const caddy = () => JSON.parse(fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8'));
const policies = () => caddy().apps.tls.automation.policies as { subjects: string[]; issuers: { module: string; challenges?: unknown }[] }[];

beforeAll(async () => {
  ({ db, dir } = freshCell());
  await setUp(db);
  await ensureCa(db);
}, 30_000);

it('switching modes re-renders Caddy: lan signs with the cell CA, cloudflare gets a DNS-01 wildcard, the token never comes back', async () => {
  await admin(db).domain.update({ domainMode: 'lan' });
  expect(policies().every((p) => p.issuers[0]!.module === 'internal')).toBe(true);
  expect(caddy().apps.http.servers.cell.routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);

  const missing = await expectCode(admin(db).domain.update({ domainMode: 'cloudflare', domain: 'example.org' }), 'BAD_REQUEST');
  expect(missing.message).toBe('Cloudflare API token is required');
  expect(db.select().from(settings).get()!.domainMode).toBe('lan');

  const switched = await admin(db).domain.update({ domainMode: 'cloudflare', domain: 'example.org', ddnsToken: 'cf-secret-token', acmeEmail: 'me@example.org', logLevel: 'DEBUG' });
  expect(switched).toMatchObject({ domainMode: 'cloudflare', domain: 'example.org', hasToken: true, acmeEmail: 'me@example.org', logLevel: 'DEBUG' });
  expect(JSON.stringify(switched)).not.toContain('cf-secret-token');
  expect(JSON.stringify(await admin(db).settings.get())).not.toContain('cf-secret-token');
  const wildcard = policies().find((p) => p.subjects.includes('*.example.org'))!;
  expect(wildcard.issuers[0]).toEqual({ module: 'acme', email: 'me@example.org', challenges: { dns: { provider: { name: 'cloudflare', api_token: 'cf-secret-token' } } } });
  expect(caddy().logging.logs.default.level).toBe('DEBUG');
  expect(fs.statSync(path.join(dir, 'config', 'caddy', 'caddy.json')).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.join(dir, 'config', 'caddy', 'pki', 'intermediate.key')).mode & 0o777).toBe(0o600);

  // Back to lan: the provider token is dropped, and Caddy's config no longer holds it.
  await admin(db).domain.update({ domainMode: 'lan' });
  expect((await admin(db).domain.get()).hasToken).toBe(false);
  expect(JSON.stringify(caddy())).not.toContain('cf-secret-token');
  expect(caddy().apps.http.servers.cell.routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);
}, 30_000);

it('validates the ACME contact and the address sources by field', async () => {
  expect((await expectCode(admin(db).domain.update({ domainMode: 'lan', acmeEmail: 'not an email' }), 'BAD_REQUEST')).message).toMatch(/^acmeEmail: /);
  expect((await expectCode(admin(db).domain.update({ domainMode: 'lan', ddns: { sources: ['https://a.example', 'ftp://b.example'] } }), 'BAD_REQUEST')).message).toMatch(/^ddns\.sources\.1: A URL/);
});
