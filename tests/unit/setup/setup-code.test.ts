/**
 * Before setup: the wizard from another machine needs the setup code; the CA, the setup
 * site's certificate and Caddy's config exist before the cell has a name; the stack is
 * Caddy alone until the wizard's services are turned on.
 */
import fs from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { settings, stackComponents, users } from '@/server/db/schema';
import { createCaller } from '@/server/routers/_app';
import { ensureStack } from '@/server/managers/containers';
import { caddyFiles } from '@/server/managers/routes/apply';
import { setupCode, setupCodeFile } from '@/server/managers/setup';
import { SETUP_CODE_TRIES } from '@/server/managers/setup/code';
import { caScope, ensureCa, rootCertificate, syncIntermediate } from '@/server/managers/vault';
import { pemOf } from '@/server/managers/vault/authority';
import { certFromPem, nameConstraintsDer, nameConstraintsOf } from '@/server/managers/vault/x509';
import { anon, expectCode, freshCell, SETUP } from '../../helpers/db';

let db: Db;
beforeEach(() => {
  db = freshCell().db;
});

/** A caller on the laptop's side of the network, sending the code the wizard took (if any). */
const remote = (code?: string) => createCaller({ db, session: null, clientAddress: '10.214.0.2', setupCode: code });

describe('the setup code', () => {
  it('is made once, kept 0600 in the secrets folder, and read the same way every time', () => {
    const code = setupCode(db);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(setupCode(db)).toBe(code);
    expect(fs.statSync(setupCodeFile(db)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(setupCodeFile(db), 'utf8')).toBe(`${code}\n`);
  });

  it('is asked of a caller from another machine: none or a wrong one is FORBIDDEN, names the field, stores nothing', async () => {
    expect(await remote().setup.status()).toEqual({ complete: false, codeRequired: true });
    for (const code of [undefined, '', 'AAAA-BBBB-CCCC']) {
      const err = await expectCode(remote(code).setup.complete(SETUP), 'FORBIDDEN');
      expect((err.cause as { field?: string }).field).toBe('setupCode');
      await expectCode(remote(code).setup.checkCode(), 'FORBIDDEN');
      await expectCode(remote(code).setup.validateStep({ step: 'identity', data: { cellName: 'x' } }), 'FORBIDDEN');
    }
    expect(db.select().from(settings).all()).toEqual([]);
    expect(db.select().from(users).all()).toEqual([]);
  });

  it('with the right code (any case, spaces or no dashes) the wizard runs; setup then removes the code', async () => {
    const code = setupCode(db);
    expect(await remote(code.toLowerCase().replace(/-/g, ' ')).setup.checkCode()).toEqual({ ok: true });
    await remote(code.replace(/-/g, '')).setup.complete(SETUP);
    expect(db.select().from(settings).get()?.cellName).toBe('home');
    expect(fs.existsSync(setupCodeFile(db))).toBe(false);
    // Closed for good: the old code opens nothing.
    await expectCode(remote(code).setup.complete(SETUP), 'CONFLICT');
  });

  it('ten wrong codes from one address in 15 minutes: then even the right one waits (429); right ones are not counted', async () => {
    const code = setupCode(db);
    for (let i = 0; i < 20; i++) await remote(code).setup.checkCode();
    for (let i = 0; i < SETUP_CODE_TRIES; i++)
      await expectCode(remote('AAAA-BBBB-CCCC').setup.checkCode(), 'FORBIDDEN');
    const err = await expectCode(remote(code).setup.complete(SETUP), 'TOO_MANY_REQUESTS');
    expect(err.message).toMatch(/^Too many wrong setup codes from this address: try again in 1[45] min$/);
    // Another address, and the host itself, are not held back by it.
    const other = createCaller({ db, session: null, clientAddress: '10.214.0.3', setupCode: code });
    expect(await other.setup.checkCode()).toEqual({ ok: true });
    expect(await anon(db).setup.checkCode()).toEqual({ ok: true });
    expect(db.select().from(settings).all()).toEqual([]);
  });

  it('is not asked on the host itself (loopback, IPv4 or IPv6)', async () => {
    expect(await anon(db).setup.status()).toEqual({ complete: false, codeRequired: false });
    const v6 = createCaller({ db, session: null, clientAddress: '::/64' });
    expect(await v6.setup.checkCode()).toEqual({ ok: true });
  });
});

describe('before setup', () => {
  it('the CA is made under a name of its own, scoped to .cell and the cell network; setup adds the domain, the root stays', async () => {
    await ensureCa(db);
    const before = await rootCertificate(db);
    const interName = certFromPem(pemOf(db, 'intermediate')!).subject.getField('CN').value;
    expect(interName).toBe(before.subject.replace(/root CA$/, 'intermediate CA'));
    expect(before.subject).toMatch(/^cell [0-9a-f]{6} root CA$/);
    expect(caScope(db).dns).toEqual(['cell']);
    expect(caScope(db).cidrs).toContain('172.16.0.0/12');
    await anon(db).setup.complete(SETUP);
    syncIntermediate(db);
    expect(caScope(db).dns).toEqual(['cell', 'home.home.arpa']);
    const inter = certFromPem(pemOf(db, 'intermediate')!);
    // Signed again for the domain under the same name: what it signed before setup still chains.
    expect(inter.subject.getField('CN').value).toBe(interName);
    expect(nameConstraintsOf(inter)).toBe(nameConstraintsDer(caScope(db)));
    expect((await rootCertificate(db)).fingerprint).toBe(before.fingerprint);
  });

  it("Caddy's files are the setup site: every name to the web app, with the CA's leaf for setup.cell", async () => {
    const { files, modes } = await caddyFiles(db);
    expect([...files.keys()].sort()).toEqual(['caddy.json', 'tls/setup.cell.crt', 'tls/setup.cell.key']);
    expect(modes).toEqual({ 'caddy.json': 0o600, 'tls/setup.cell.key': 0o600 });
    const config = JSON.parse(files.get('caddy.json')!);
    const site = config.apps.http.servers.setup;
    expect(site.listen).toEqual([':443']);
    expect(site.routes).toEqual([
      { handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '172.20.0.1:3000' }] }], terminal: true },
    ]);
    expect(site.tls_connection_policies).toEqual([
      { certificate_selection: { any_tag: ['address'] }, default_sni: 'setup.cell' },
    ]);
    expect(config.apps.http.servers.redirect.routes[0].handle[0]).toMatchObject({
      status_code: 308,
      headers: { Location: ['https://{http.request.host}{http.request.uri}'] },
    });
    const leaf = certFromPem(files.get('tls/setup.cell.crt')!);
    expect(leaf.subject.getField('CN').value).toBe('setup.cell');
    expect(files.get('tls/setup.cell.crt')!.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    // After setup the cell's own config replaces it.
    await anon(db).setup.complete(SETUP);
    const after = await caddyFiles(db);
    // The setup site's certificate stays, for a bare address: the one the browser was shown,
    // now behind the intermediate signed again for the domain.
    const leafOf = (pem: string) => pem.split('-----END CERTIFICATE-----')[0];
    expect(leafOf(after.files.get('tls/setup.cell.crt')!)).toBe(leafOf(files.get('tls/setup.cell.crt')!));
    expect(after.files.get('tls/setup.cell.crt')!.endsWith(pemOf(db, 'intermediate')!)).toBe(true);
    expect(after.files.has('tls/home.cell.crt')).toBe(true);
    expect(JSON.parse(after.files.get('caddy.json')!).apps.http.servers.setup).toBeUndefined();
  });

  it('the stack is Caddy alone; setup turns on the services the wizard picked, DHCP stays off', async () => {
    ensureStack(db);
    const enabled = () =>
      db
        .select()
        .from(stackComponents)
        .all()
        .filter((c) => c.enabled)
        .map((c) => c.component)
        .sort();
    expect(enabled()).toEqual(['caddy']);
    await anon(db).setup.complete({ ...SETUP, services: ['dns', 'wireguard'] });
    expect(enabled()).toEqual(['caddy', 'dns', 'wireguard']);
  });
});
