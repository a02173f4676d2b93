import { describe, expect, it } from 'vitest';
import {
  renderCaddyConfig,
  renderSetupSiteConfig,
  type CaddyModel,
  type SetupSiteModel,
} from '@/server/managers/routes/render';
import { RenderError } from '@/server/managers/render-guard';
import { CADDY } from '../../helpers/caddy-fixtures';
import { goldenCases } from '../../helpers/golden';

const parsed = (name: string) => JSON.parse(renderCaddyConfig(CADDY[name]!));

describe('Caddy JSON config', () => {
  it.each(goldenCases<CaddyModel>('caddy'))('$name matches its golden', async ({ input, expected }) => {
    await expect(renderCaddyConfig(input)).toMatchFileSnapshot(expected);
  });

  it.each(goldenCases<SetupSiteModel>('caddy-setup'))(
    'setup site $name matches its golden',
    async ({ input, expected }) => {
      await expect(renderSetupSiteConfig(input)).toMatchFileSnapshot(expected);
    },
  );

  it('the setup site refuses hostile values instead of rendering them', () => {
    const base = goldenCases<SetupSiteModel>('caddy-setup')[0]!.input;
    for (const [patch, what] of [
      [{ upstream: '{file./etc/passwd}:3000' }, 'upstream'],
      [{ host: 'setup.cell"}, {"x' }, 'setup host'],
      [{ host: 'a\nb.cell' }, 'setup host'],
      [{ configRoot: '/etc/caddy;rm' }, 'config root'],
      [{ listenHost: null, httpsPort: '443}' as unknown as number }, 'port'],
    ] as const)
      expect(() => renderSetupSiteConfig({ ...base, ...patch })).toThrow(new RegExp(`refusing to render ${what}`));
  });

  it('routes the UI first, tries the longest path first, and ends with a 404', () => {
    const routes = parsed('lan').apps.http.servers.cell.routes;
    expect(routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);
    const files = routes.find(
      (r: { match?: { host: string[] }[] }) => r.match?.[0]?.host[0] === 'files.home.home.arpa',
    );
    expect(files.handle[0].routes[0].match[0].path).toEqual(['/dav', '/dav/*']);
    expect(routes.at(-1).handle[0].status_code).toBe(404);
  });

  it('a bare address reaches the web app; any handshake without a served name gets the address certificate', () => {
    for (const name of ['lan', 'http01', 'cloudflare']) {
      const server = parsed(name).apps.http.servers.cell;
      const bare = server.routes.at(-2);
      expect(bare.match[0].expression).toMatch(/^\{http\.request\.host\}\.matches\('/);
      expect(bare.handle[0].upstreams).toEqual([{ dial: CADDY[name]!.ui.upstream }]);
      expect(server.tls_connection_policies.at(-1)).toEqual({
        certificate_selection: { any_tag: ['address'] },
        default_sni: 'setup.cell',
      });
      expect(server.tls_connection_policies[0].match.sni).toEqual(expect.arrayContaining(CADDY[name]!.ui.hosts));
    }
    // In a DNS-01 mode every subdomain is served by the wildcard.
    expect(parsed('cloudflare').apps.http.servers.cell.tls_connection_policies[0].match.sni).toContain('*.example.org');
  });

  it('peers-only routes refuse every source outside the tunnel and the cell network', () => {
    const nas = parsed('lan').apps.http.servers.cell.routes.find(
      (r: { match?: { host: string[] }[] }) => r.match?.[0]?.host[0] === 'nas.cell',
    );
    const guard = nas.handle[0].routes[0].handle[0].routes[0];
    expect(guard.match).toEqual([{ not: [{ remote_ip: { ranges: ['10.0.0.0/24', '172.20.0.0/16'] } }] }]);
    expect(guard.handle[0].status_code).toBe(403);
  });

  it('lan loads a leaf file for every name; DNS modes get one wildcard; .cell names never go to ACME; no CA key anywhere', () => {
    const lan = parsed('lan');
    expect(
      lan.apps.tls.certificates.load_files.map((f: { certificate: string; key: string }) => [f.certificate, f.key]),
    ).toEqual(
      ['chat.home.home.arpa', 'files.home.home.arpa', 'home.cell', 'home.home.arpa', 'nas.cell', 'setup.cell'].map(
        (h) => [`/etc/caddy/tls/${h}.crt`, `/etc/caddy/tls/${h}.key`],
      ),
    );
    expect(lan.apps.tls.automation).toBeUndefined();
    expect(lan.apps.pki).toBeUndefined();
    expect(JSON.stringify(lan)).not.toMatch(/internal|intermediate|private_key/);
    // A DNS-01 mode: the certificate the cell got for the domain and its wildcard, loaded as a file;
    // Caddy asks no ACME server for anything and holds no provider token.
    const cf = parsed('cloudflare');
    expect(cf.apps.tls.certificates.load_files.map((f: { certificate: string; tags: string[] }) => f)).toEqual([
      {
        certificate: '/etc/caddy/tls/home.cell.crt',
        key: '/etc/caddy/tls/home.cell.key',
        format: 'pem',
        tags: ['cell'],
      },
      {
        certificate: '/etc/caddy/tls/setup.cell.crt',
        key: '/etc/caddy/tls/setup.cell.key',
        format: 'pem',
        tags: ['cell', 'address'],
      },
      {
        certificate: '/etc/caddy/tls/wildcard.example.org.crt',
        key: '/etc/caddy/tls/wildcard.example.org.key',
        format: 'pem',
        tags: ['acme'],
      },
    ]);
    expect(cf.apps.tls.certificates.automate).toBeUndefined();
    expect(cf.apps.tls.automation).toBeUndefined();
    expect(cf.apps.http.servers.cell.automatic_https.skip_certificates).toEqual([
      'home.cell',
      'setup.cell',
      'example.org',
      'files.example.org',
    ]);
    expect(JSON.stringify(cf)).not.toMatch(/api_token|dns/);
    // Until the cell has it, the domain's names are still Caddy's to leave alone.
    const waiting = JSON.parse(renderCaddyConfig({ ...CADDY.cloudflare!, dns01: { loaded: false } }));
    expect(waiting.apps.tls.certificates.load_files.map((f: { tags: string[] }) => f.tags)).toEqual([
      ['cell'],
      ['cell', 'address'],
    ]);
    expect(waiting.apps.tls.automation).toBeUndefined();
    expect(waiting.apps.http.servers.cell.automatic_https.skip_certificates).toContain('files.example.org');
    expect(cf.logging.logs.default.level).toBe('DEBUG');
    expect(parsed('http01').apps.tls.automation.policies).toEqual([
      {
        subjects: ['example.org', 'files.example.org'],
        // HTTP-01 only, as the mode says: port 80, whatever sits in front of 443.
        issuers: [{ module: 'acme', email: 'admin@example.org', challenges: { 'tls-alpn': { disabled: true } } }],
      },
    ]);
  });

  it("keeps Caddy's admin socket and ACME state in its own folder, and never saves a loaded config", () => {
    const lan = parsed('lan');
    expect(lan.admin).toEqual({ listen: 'unix//data/admin.sock', config: { persist: false } });
    expect(lan.storage).toEqual({ module: 'file_system', root: '/data/storage' });
  });

  it('sends ACME to the configured server only as a plain https URL, trusting a root from the config folder', () => {
    const own = (directory: string, rootFile: string | null = null) =>
      renderCaddyConfig({ ...CADDY.http01!, acmeServer: { directory, rootFile } });
    const issuer = JSON.parse(own('https://pebble.test:14000/dir', 'acme-root.pem')).apps.tls.automation.policies[0]
      .issuers[0];
    expect([issuer.ca, issuer.trusted_roots_pem_files]).toEqual([
      'https://pebble.test:14000/dir',
      ['/etc/caddy/acme-root.pem'],
    ]);
    for (const bad of ['http://pebble.test/dir', 'https://pebble.test/{env.HOME}', 'https://a.test/d", "x": "y'])
      expect(() => own(bad)).toThrow(RenderError);
    expect(() => own('https://pebble.test/dir', '../../etc/passwd')).toThrow(RenderError);
  });

  it('refuses hostile values instead of writing them', () => {
    const lan = CADDY.lan!;
    const withRoute = (extra: object) => ({ ...lan, routes: [{ ...lan.routes[0]!, ...extra }] });
    expect(() => renderCaddyConfig(withRoute({ host: 'a.example.org\n"admin": {}' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ upstream: 'x:80", "dial": "evil:1' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ headers: { 'X-A': 'v\r\nSet-Cookie: x' } }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ headers: { 'X A:': 'v' } }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ path: '/a b' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ clients: ['10.0.0.2/32", "x'] }))).toThrow(RenderError);
    expect(() => renderCaddyConfig({ ...CADDY.cloudflare!, domain: 'example.org", "x": "y' })).toThrow(RenderError);
    // Caddy placeholders would read files or the environment into what goes upstream.
    expect(() => renderCaddyConfig(withRoute({ headers: { 'X-A': '{file./etc/passwd}' } }))).toThrow(RenderError);
    expect(() => renderCaddyConfig({ ...CADDY.cloudflare!, domain: '{env.HOME}.example.org' })).toThrow(RenderError);
  });
});
