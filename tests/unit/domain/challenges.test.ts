/**
 * DNS-01 challenge records at each DNS-01 mode's provider, against a local server speaking the
 * provider's documented requests: what is sent to set and to clear a value, and failures named.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { challengeRecords, providerUrls } from '@/server/managers/ddns';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let seen: Seen[] = [];
let refuse = false;
const txt: { id: string; name: string; content: string }[] = [];

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname.startsWith('/cf/')) {
      if (refuse) return json(403, { success: false, errors: [{ code: 9109, message: 'Invalid access token' }] });
      const ok = (result: unknown) => json(200, { success: true, errors: [], result });
      if (url.pathname === '/cf/zones') return ok(url.searchParams.get('name') === 'example.org' ? [{ id: 'z' }] : []);
      if (url.pathname === '/cf/zones/z/dns_records' && req.method === 'POST') {
        const r = { id: `r${txt.length + 1}`, ...(JSON.parse(body) as { name: string; content: string }) };
        txt.push(r);
        return ok(r);
      }
      if (url.pathname === '/cf/zones/z/dns_records' && req.method === 'GET')
        // Cloudflare hands TXT contents back quoted.
        return ok(txt.map((r) => ({ ...r, type: 'TXT', content: `"${r.content}"` })));
      if (req.method === 'DELETE') {
        txt.splice(
          txt.findIndex((r) => url.pathname.endsWith(`/${r.id}`)),
          1,
        );
        return ok({});
      }
    }
    if (url.pathname === '/duck/update') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(refuse ? 'KO' : 'OK\nUPDATED');
    }
    if (url.pathname === '/acme/update') return refuse ? json(401, { error: 'forbidden' }) : json(200, { txt: 'ok' });
    json(404, {});
  });
});

let urls: ReturnType<typeof providerUrls>;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  urls = providerUrls({
    PIC_CLOUDFLARE_API_URL: `${base}/cf`,
    PIC_DUCKDNS_URL: `${base}/duck`,
    PIC_NGO_ACME_URL: `${base}/acme`,
  });
});
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  refuse = false;
  txt.length = 0;
});

describe('DNS-01 challenge records', () => {
  it('Cloudflare: a TXT record per value, both there at once, each removed by its own value', async () => {
    const cf = challengeRecords('cloudflare', 'tok', 'home.example.org', urls)!;
    await cf.set('_acme-challenge.home.example.org', 'value-1');
    await cf.set('_acme-challenge.home.example.org', 'value-2');
    expect(txt.map((r) => r.content)).toEqual(['value-1', 'value-2']);
    expect(JSON.parse(seen.find((s) => s.method === 'POST')!.body)).toEqual({
      type: 'TXT',
      name: '_acme-challenge.home.example.org',
      content: 'value-1',
      ttl: 60,
      comment: 'ACME challenge of the cell',
    });
    expect(seen.every((s) => s.headers.authorization === 'Bearer tok')).toBe(true);
    await cf.clear('_acme-challenge.home.example.org', 'value-1');
    expect(txt.map((r) => r.content)).toEqual(['value-2']);
    refuse = true;
    await expect(cf.set('_acme-challenge.home.example.org', 'v')).rejects.toThrow(
      'Cloudflare refused the token: Invalid access token (9109)',
    );
  });

  it('DuckDNS: the value through its txt update, cleared with clear=true; KO names the token', async () => {
    const duck = challengeRecords('duckdns', 'duck-tok', 'myname.duckdns.org', urls)!;
    await duck.set('_acme-challenge.myname.duckdns.org', 'v1');
    await duck.clear('_acme-challenge.myname.duckdns.org', 'v1');
    expect(seen.map((s) => s.url)).toEqual([
      '/duck/update?domains=myname&token=duck-tok&txt=v1&verbose=true',
      '/duck/update?domains=myname&token=duck-tok&txt=&verbose=true&clear=true',
    ]);
    refuse = true;
    await expect(duck.set('_acme-challenge.myname.duckdns.org', 'v')).rejects.toThrow(
      'DuckDNS answered KO: the token or the subdomain is wrong',
    );
  });

  it('pic.ngo: acme-dns’s update with the cell’s credentials; nothing to clear', async () => {
    const pic = challengeRecords('pic_ngo', 'cell-key', 'home.pic.ngo', urls)!;
    await pic.set('_acme-challenge.home.pic.ngo', 'v1');
    await pic.clear('_acme-challenge.home.pic.ngo', 'v1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/acme/update' });
    expect([seen[0]!.headers['x-api-user'], seen[0]!.headers['x-api-key']]).toEqual(['home.pic.ngo', 'cell-key']);
    expect(JSON.parse(seen[0]!.body)).toEqual({ subdomain: 'home', txt: 'v1' });
    refuse = true;
    await expect(pic.set('_acme-challenge.home.pic.ngo', 'v')).rejects.toThrow(/refused the token/);
  });

  it('no records without a token, nor in the modes Caddy or the cell’s CA covers', () => {
    expect(challengeRecords('cloudflare', null, 'example.org', urls)).toBeNull();
    expect(challengeRecords('http01', 'tok', 'example.org', urls)).toBeNull();
    expect(challengeRecords('lan', 'tok', 'example.org', urls)).toBeNull();
  });
});
