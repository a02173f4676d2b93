/**
 * Dynamic DNS against a local server on loopback that speaks each provider's documented
 * request and response shapes: success, bad token, rate limit and server error, the exact
 * requests sent, nothing sent for an unchanged address, and the backoff.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { ddnsState } from '@/server/db/schema';
import { ddnsCycle } from '@/server/managers/ddns';
import { admin, anon, expectCode, freshCell, setUp } from '../helpers/db';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

/** What the fake providers answer; tests change it between calls. */
const world = {
  ip1: '203.0.113.7',
  ip2: '203.0.113.7',
  mode: 'ok' as 'ok' | 'badtoken' | 'rate' | 'down',
  taken: new Set<string>(['taken']),
};
let seen: Seen[] = [];
let base = '';

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/ip1') return reply(res, 200, `${world.ip1}\n`);
    if (url.pathname === '/ip2') return reply(res, 200, world.ip2);
    if (url.pathname === '/huge') return reply(res, 200, 'x'.repeat(1024 * 1024));
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
    if (world.mode === 'down') return reply(res, 503, 'maintenance');
    if (world.mode === 'rate')
      return reply(
        res,
        429,
        { success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }] },
        { 'retry-after': '900' },
      );
    const bad = world.mode === 'badtoken';
    // pic.ngo
    if (url.pathname.startsWith('/pic/v1/names/'))
      return reply(res, 200, { available: !world.taken.has(url.pathname.split('/').pop()!) });
    if (url.pathname.startsWith('/pic/v1/cells/'))
      return bad ? reply(res, 401, { error: 'unknown cell key' }) : reply(res, 200, { ok: true });
    // Cloudflare API v4
    if (url.pathname.startsWith('/cf/')) {
      if (bad)
        return reply(res, 403, {
          success: false,
          errors: [{ code: 9109, message: 'Invalid access token' }],
          result: null,
        });
      if (url.pathname === '/cf/zones')
        return reply(res, 200, {
          success: true,
          errors: [],
          result: url.searchParams.get('name') === 'example.org' ? [{ id: 'zone1' }] : [],
        });
      if (url.pathname === '/cf/zones/zone1/dns_records' && req.method === 'GET')
        return reply(res, 200, { success: true, errors: [], result: [{ id: 'rec1', content: '198.51.100.1' }] });
      if (url.pathname === '/cf/zones/zone1/dns_records/rec1' && req.method === 'PUT')
        return reply(res, 200, { success: true, errors: [], result: { id: 'rec1' } });
    }
    // DuckDNS
    if (url.pathname === '/duck/update') return reply(res, 200, bad ? 'KO' : 'OK');
    // dyndns2
    if (url.pathname === '/nic/update')
      return reply(res, 200, bad ? 'badauth' : `good ${url.searchParams.get('myip')}`);
    reply(res, 404, 'no such endpoint');
  });
});

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('dynamic DNS providers against a local server', () => {
  let db: Db;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The local server is on loopback, which the cell refuses to call unless told it is a test.
    Object.assign(process.env, {
      PIC_NGO_API_URL: `${base}/pic`,
      PIC_CLOUDFLARE_API_URL: `${base}/cf`,
      PIC_DUCKDNS_URL: `${base}/duck`,
      PIC_DOCKER_SOCKET: '/nonexistent/pic-test/docker.sock',
      PIC_OUTBOUND_ALLOW_LOOPBACK: '1',
    });
  });
  afterAll(() => {
    server.close();
    for (const k of ['PIC_NGO_API_URL', 'PIC_CLOUDFLARE_API_URL', 'PIC_DUCKDNS_URL', 'PIC_OUTBOUND_ALLOW_LOOPBACK'])
      delete process.env[k];
  });
  beforeEach(async () => {
    Object.assign(world, { ip1: '203.0.113.7', ip2: '203.0.113.7', mode: 'ok' });
    seen = [];
    db = freshCell().db;
  });
  const useSources = () =>
    db
      .update(ddnsState)
      .set({ sources: [`${base}/ip1`, `${base}/ip2`] })
      .run();
  const state = () => db.select().from(ddnsState).get()!;

  it('pic.ngo: publishes once, not again while the address is unchanged, again when it changes; DNS follows', async () => {
    await setUp(db, { domainMode: 'pic_ngo' });
    useSources();
    await admin(db).domain.ddnsUpdateNow();
    expect(seen).toEqual([
      {
        method: 'PUT',
        url: '/pic/v1/cells/home',
        auth: expect.stringMatching(/^Bearer [A-Za-z0-9_-]{43}$/),
        body: '{"ipv4":"203.0.113.7"}',
      },
    ]);
    const status = await admin(db).domain.ddnsStatus();
    expect(status).toMatchObject({
      provider: 'pic_ngo',
      publishedAddress: '203.0.113.7',
      lastError: null,
      failures: 0,
    });
    expect((await admin(db).dns.settings()).publicAddress).toBe('203.0.113.7');

    await ddnsCycle(db, { now: minutes(6) });
    expect(seen).toHaveLength(1);
    world.ip1 = world.ip2 = '203.0.113.8';
    await ddnsCycle(db, { now: minutes(12) });
    expect(seen.map((s) => s.body)).toEqual(['{"ipv4":"203.0.113.7"}', '{"ipv4":"203.0.113.8"}']);
    expect((await admin(db).dns.settings()).publicAddress).toBe('203.0.113.8');
  });

  it('Cloudflare: finds the zone, updates the A record with the token; a bad token backs off 1 then 2 minutes and skips the wait in between', async () => {
    await setUp(db, { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' });
    useSources();
    await admin(db).domain.ddnsUpdateNow();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /cf/zones?name=home.example.org',
      'GET /cf/zones?name=example.org',
      'GET /cf/zones/zone1/dns_records?per_page=1000&type=A&name=home.example.org',
      'PUT /cf/zones/zone1/dns_records/rec1',
    ]);
    expect(seen.every((s) => s.auth === 'Bearer cf-token-abcdef')).toBe(true);
    expect(JSON.parse(seen[3]!.body)).toEqual({
      type: 'A',
      name: 'home.example.org',
      content: '203.0.113.7',
      ttl: 60,
      proxied: false,
    });
    // The token is stored encrypted and never returned.
    expect(JSON.stringify(await admin(db).domain.get())).not.toContain('cf-token-abcdef');
    expect((await admin(db).domain.get()).hasToken).toBe(true);

    world.mode = 'badtoken';
    world.ip1 = world.ip2 = '203.0.113.9';
    const t0 = minutes(10);
    await ddnsCycle(db, { now: t0 });
    expect(state()).toMatchObject({
      failures: 1,
      lastError: 'Cloudflare refused the token: Invalid access token (9109)',
    });
    expect(state().nextAttemptAt!.getTime() - t0.getTime()).toBe(60_000);
    const calls = seen.length;
    await ddnsCycle(db, { now: new Date(t0.getTime() + 30_000) });
    expect(seen).toHaveLength(calls);
    await ddnsCycle(db, { now: new Date(t0.getTime() + 61_000) });
    expect(state().failures).toBe(2);
    expect(state().nextAttemptAt!.getTime() - (t0.getTime() + 61_000)).toBe(120_000);
  });

  it('a rate limit waits at least as long as the provider asks; a server error is named', async () => {
    await setUp(db, { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' });
    useSources();
    world.mode = 'rate';
    const t0 = new Date();
    await ddnsCycle(db, { force: true, now: t0 });
    expect(state().lastError).toBe('Cloudflare is rate limiting updates (retry after 900 s)');
    expect(state().nextAttemptAt!.getTime() - t0.getTime()).toBe(900_000);
    world.mode = 'down';
    await ddnsCycle(db, { force: true, now: t0 });
    expect(state().lastError).toBe('Cloudflare had a server error: HTTP 503 maintenance');
  });

  it('DuckDNS: the subdomain, token and address in the query; KO is a token problem', async () => {
    await setUp(db, { domainMode: 'duckdns', domain: 'mycell.duckdns.org', ddnsToken: 'duck-token-1234' });
    useSources();
    await admin(db).domain.ddnsUpdateNow();
    expect(seen.map((s) => s.url)).toEqual(['/duck/update?domains=mycell&token=duck-token-1234&ip=203.0.113.7']);
    world.mode = 'badtoken';
    await admin(db).domain.ddnsUpdateNow();
    expect(state().lastError).toBe('DuckDNS answered KO: the token or the subdomain is wrong');
  });

  it('dyndns2 for a LAN-mode cell: basic auth, hostname and myip; badauth is reported', async () => {
    await setUp(db);
    useSources();
    await admin(db).domain.update({
      domainMode: 'lan',
      ddns: { dyndns2: { server: base, username: 'me', password: 'secret-pass', hostname: 'home.ddns.net' } },
    });
    await admin(db).domain.ddnsUpdateNow();
    expect(seen).toEqual([
      {
        method: 'GET',
        url: '/nic/update?hostname=home.ddns.net&myip=203.0.113.7',
        auth: `Basic ${Buffer.from('me:secret-pass').toString('base64')}`,
        body: '',
      },
    ]);
    expect((await admin(db).domain.ddnsStatus()).dyndns2).toEqual({
      server: base,
      username: 'me',
      hostname: 'home.ddns.net',
      hasPassword: true,
    });
    world.mode = 'badtoken';
    await admin(db).domain.ddnsUpdateNow();
    expect(state().lastError).toBe(`127.0.0.1:${new URL(base).port}: badauth: the username or password is wrong`);
  });

  const PROVIDERS = [
    {
      name: 'pic.ngo',
      setup: { domainMode: 'pic_ngo' },
      bad: /^pic\.ngo refused the token: \{"error":"unknown cell key"\}$/,
      rate: 'pic.ngo is rate limiting updates (retry after 900 s)',
      down: 'pic.ngo had a server error: HTTP 503 maintenance',
    },
    {
      name: 'Cloudflare',
      setup: { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' },
      bad: /^Cloudflare refused the token: Invalid access token \(9109\)$/,
      rate: 'Cloudflare is rate limiting updates (retry after 900 s)',
      down: 'Cloudflare had a server error: HTTP 503 maintenance',
    },
    {
      name: 'DuckDNS',
      setup: { domainMode: 'duckdns', domain: 'mycell.duckdns.org', ddnsToken: 'duck-token-1234' },
      bad: /^DuckDNS answered KO/,
      rate: 'DuckDNS is rate limiting updates (retry after 900 s)',
      down: 'DuckDNS had a server error: HTTP 503 maintenance',
    },
    {
      name: 'dyndns2',
      setup: {},
      bad: /: badauth: the username or password is wrong$/,
      rate: /rate limiting updates \(retry after 900 s\)$/,
      down: /had a server error: HTTP 503 maintenance$/,
    },
  ] as const;

  it.each(PROVIDERS)(
    '$name: success, bad token, rate limit and server error, each with its message and wait',
    async (p) => {
      await setUp(db, p.setup as never);
      useSources();
      if (p.name === 'dyndns2')
        await admin(db).domain.update({
          domainMode: 'lan',
          ddns: { dyndns2: { server: base, username: 'me', password: 'secret-pass', hostname: 'home.ddns.net' } },
        });
      const t0 = new Date();
      const run = async (mode: typeof world.mode) => {
        world.mode = mode;
        await ddnsCycle(db, { force: true, now: t0 });
        return state();
      };
      expect(await run('ok')).toMatchObject({ lastError: null, failures: 0, publishedAddress: '203.0.113.7' });
      expect((await run('badtoken')).lastError).toMatch(p.bad);
      const rated = await run('rate');
      expect(rated.lastError).toMatch(p.rate);
      expect(rated.nextAttemptAt!.getTime() - t0.getTime()).toBeGreaterThanOrEqual(900_000);
      const down = await run('down');
      expect(down.lastError).toMatch(p.down);
      expect(down.failures).toBe(3);
      expect(down.nextAttemptAt!.getTime() - t0.getTime()).toBe(4 * 60_000);
    },
  );

  it('the address sources must agree; nothing is sent when they do not', async () => {
    await setUp(db, { domainMode: 'pic_ngo' });
    useSources();
    world.ip2 = '198.51.100.99';
    await admin(db).domain.ddnsUpdateNow();
    expect(seen).toEqual([]);
    expect(state().lastError).toBe(
      `The address sources disagree: ${base}/ip1 says 203.0.113.7, ${base}/ip2 says 198.51.100.99`,
    );
    const bad = await expectCode(
      admin(db).domain.update({ domainMode: 'pic_ngo', ddns: { sources: [`${base}/ip1`] } }),
      'BAD_REQUEST',
    );
    expect(bad.message).toMatch(/^ddns\.sources: At least two sources/);
  });

  it('checks a pic.ngo name before the wizard moves on; an unreachable pic.ngo does not block', async () => {
    expect(await anon(db).domain.checkName({ name: 'free' })).toMatchObject({
      name: 'free.pic.ngo',
      available: true,
      checked: true,
    });
    expect(await anon(db).domain.checkName({ name: 'taken' })).toMatchObject({ available: false, checked: true });
    const refused = await expectCode(
      anon(db).setup.validateStep({ step: 'domain', data: { cellName: 'taken', domainMode: 'pic_ngo' } }),
      'BAD_REQUEST',
    );
    expect(refused.message).toBe('taken.pic.ngo is already taken: choose another cell name or another mode');
    process.env.PIC_NGO_API_URL = 'http://127.0.0.1:9';
    expect(await anon(db).domain.checkName({ name: 'taken' })).toMatchObject({
      available: true,
      checked: false,
      reason: expect.stringContaining('could not be reached'),
    });
    expect(
      await anon(db).setup.validateStep({ step: 'domain', data: { cellName: 'taken', domainMode: 'pic_ngo' } }),
    ).toEqual({ ok: true });
    process.env.PIC_NGO_API_URL = `${base}/pic`;
  });

  it('address sources and dyndns2 servers must be https and may not reach loopback, link-local or the cell itself', async () => {
    await setUp(db, { domainMode: 'pic_ngo' });
    process.env.PIC_OUTBOUND_ALLOW_LOOPBACK = '0';
    try {
      const plain = await expectCode(
        admin(db).domain.update({
          domainMode: 'pic_ngo',
          ddns: { sources: ['http://ip.example.net/', 'https://ip2.example.net/'] },
        }),
        'BAD_REQUEST',
      );
      expect(plain.message).toBe('ddns.sources.0: An https:// URL like https://api.ipify.org');
      const local = await expectCode(
        admin(db).domain.update({
          domainMode: 'lan',
          ddns: {
            dyndns2: { server: 'https://169.254.169.254', username: 'me', password: 'pw', hostname: 'home.ddns.net' },
          },
        }),
        'BAD_REQUEST',
      );
      expect(local.message).toMatch(/^ddns\.dyndns2\.server: Not a loopback or link-local address/);
      // Names are checked when they resolve, and the tunnel is refused as well (stored directly: the form would refuse http).
      db.update(ddnsState)
        .set({ sources: [`http://localhost:${new URL(base).port}/ip1`, 'https://10.0.0.7/ip'] })
        .run();
      await admin(db).domain.ddnsUpdateNow();
      expect(seen).toEqual([]);
      expect(state().lastError).toContain('localhost:');
      expect(state().lastError).toContain(
        'resolves to 127.0.0.1 is a loopback, link-local or special address: the cell does not call it',
      );
      expect(state().lastError).toContain("10.0.0.7 is inside the cell's own networks");
    } finally {
      process.env.PIC_OUTBOUND_ALLOW_LOOPBACK = '1';
    }
  });

  it('an answer larger than 64 KiB is cut off, not read', async () => {
    await setUp(db, { domainMode: 'pic_ngo' });
    db.update(ddnsState)
      .set({ sources: [`${base}/huge`, `${base}/ip2`] })
      .run();
    await admin(db).domain.ddnsUpdateNow();
    expect(state().lastError).toContain(`${base}/huge: `);
    expect(state().lastError).toContain('answered with more than 64 KiB');
  });
});
