import { describe, expect, it } from 'vitest';
import { renderCaddyConfig } from '@/server/managers/proxy/render';
import { RenderError } from '@/server/managers/render-guard';
import { CADDY } from '../helpers/caddy-fixtures';

const parsed = (name: string) => JSON.parse(renderCaddyConfig(CADDY[name]!));

describe('Caddy JSON config', () => {
  it.each(Object.keys(CADDY))('%s matches its golden', async (name) => {
    await expect(renderCaddyConfig(CADDY[name]!)).toMatchFileSnapshot(`../golden/caddy/${name}.json`);
  });

  it('routes the UI first, tries the longest path first, and ends with a 404', () => {
    const routes = parsed('lan').apps.http.servers.cell.routes;
    expect(routes[0].match[0].host).toEqual(['home.home.arpa', 'home.cell']);
    const files = routes.find((r: { match?: { host: string[] }[] }) => r.match?.[0]?.host[0] === 'files.home.home.arpa');
    expect(files.handle[0].routes[0].match[0].path).toEqual(['/dav', '/dav/*']);
    expect(routes.at(-1).handle[0].status_code).toBe(404);
  });

  it('peers-only routes refuse every source outside the tunnel and the cell network', () => {
    const nas = parsed('lan').apps.http.servers.cell.routes.find((r: { match?: { host: string[] }[] }) => r.match?.[0]?.host[0] === 'nas.cell');
    const guard = nas.handle[0].routes[0].handle[0].routes[0];
    expect(guard.match).toEqual([{ not: [{ remote_ip: { ranges: ['10.0.0.0/24', '172.20.0.0/16'] } }] }]);
    expect(guard.handle[0].status_code).toBe(403);
  });

  it('lan signs everything with the cell CA; DNS modes get one wildcard; .cell names never go to ACME', () => {
    expect(parsed('lan').apps.tls.automation.policies).toEqual([
      { subjects: ['home.cell', 'nas.cell'], issuers: [{ module: 'internal', ca: 'cell' }] },
      { subjects: ['home.home.arpa', 'files.home.home.arpa', 'chat.home.home.arpa'], issuers: [{ module: 'internal', ca: 'cell' }] },
    ]);
    const cf = parsed('cloudflare');
    expect(cf.apps.tls.certificates.automate).toEqual(['example.org', '*.example.org']);
    expect(cf.apps.http.servers.cell.automatic_https.skip_certificates).toEqual(['example.org', 'files.example.org']);
    expect(cf.apps.tls.automation.policies[1].issuers[0].challenges.dns.provider).toEqual({ name: 'cloudflare', api_token: 'cf-token-123' });
    expect(cf.logging.logs.default.level).toBe('DEBUG');
    expect(parsed('http01').apps.tls.automation.policies[1]).toEqual({ subjects: ['example.org', 'files.example.org'], issuers: [{ module: 'acme', email: 'admin@example.org' }] });
  });

  it('refuses hostile values instead of writing them', () => {
    const lan = CADDY.lan!;
    const withRoute = (extra: object) => ({ ...lan, routes: [{ ...lan.routes[0]!, ...extra }] });
    expect(() => renderCaddyConfig(withRoute({ host: 'a.example.org\n"admin": {}' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ upstream: 'x:80", "dial": "evil:1' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ headers: { 'X-A': 'v\r\nSet-Cookie: x' } }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ headers: { 'X A:': 'v' } }))).toThrow(RenderError);
    expect(() => renderCaddyConfig(withRoute({ path: '/a b' }))).toThrow(RenderError);
    expect(() => renderCaddyConfig({ ...lan, dnsProvider: { name: 'cloudflare', config: { api_token: 'a b' } }, mode: 'cloudflare' })).toThrow(RenderError);
  });
});
