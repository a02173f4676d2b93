/**
 * Mail's public records published through Cloudflare's API in the Cloudflare domain mode,
 * against a stateful fake of API v4: made once, left alone when present, updated when the
 * cell's own changes, a record someone else made is a conflict and never touched, and only
 * the cell's own are withdrawn.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { storeInstances } from '@/server/db/schema';
import { withdrawDomainRecords } from '@/server/managers/ddns';
import { publishStep, withdrawStep } from '@/server/managers/store/public-records';
import { settleChanges } from '@/server/runtime/changes';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow } from '../../helpers/store';
import { recordingBackend } from '../../helpers/wireguard';

interface Rec {
  id: string;
  type: string;
  name: string;
  content?: string;
  priority?: number;
  data?: { priority: number; weight: number; port: number; target: string };
  comment?: string | null;
}

/** Cloudflare API v4 as far as the cell uses it: one zone, its records listed, made, replaced, deleted. */
function fakeCloudflare() {
  const records: Rec[] = [];
  const calls: string[] = [];
  let n = 0;
  let token = 'cf-token-abcdef';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://cf');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push(`${req.method} ${url.pathname}`);
      const send = (status: number, result: unknown, errors: unknown[] = []) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: status === 200, errors, result }));
      };
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(403, null, [{ code: 10000, message: 'Authentication error' }]);
      if (url.pathname === '/zones')
        return send(200, url.searchParams.get('name') === 'example.org' ? [{ id: 'z1' }] : []);
      const one = /^\/zones\/z1\/dns_records\/(\w+)$/.exec(url.pathname);
      if (url.pathname === '/zones/z1/dns_records' && req.method === 'GET') {
        const p = url.searchParams;
        return send(
          200,
          records.filter(
            (r) =>
              (!p.get('type') || r.type === p.get('type')) &&
              (!p.get('name') || r.name === p.get('name')) &&
              (!p.get('comment.exact') || r.comment === p.get('comment.exact')),
          ),
        );
      }
      if (url.pathname === '/zones/z1/dns_records' && req.method === 'POST') {
        const r = { ...(JSON.parse(body) as Rec), id: `r${++n}` };
        records.push(r);
        return send(200, r);
      }
      if (one && req.method === 'PUT') {
        const i = records.findIndex((r) => r.id === one[1]);
        records[i] = { ...(JSON.parse(body) as Rec), id: one[1]! };
        return send(200, records[i]);
      }
      if (one && req.method === 'DELETE') {
        records.splice(
          records.findIndex((r) => r.id === one[1]),
          1,
        );
        return send(200, { id: one[1] });
      }
      send(404, null, [{ code: 7003, message: 'No route' }]);
    });
  });
  return {
    records,
    calls,
    server,
    revoke: () => (token = 'revoked'),
    reset() {
      token = 'cf-token-abcdef';
      records.length = 0;
      calls.length = 0;
    },
    add: (r: Omit<Rec, 'id'>) => records.push({ ...r, id: `r${++n}` }),
  };
}

const cf = fakeCloudflare();
let db: Db;
const DKIM = 'v=DKIM1; h=sha256; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest';

beforeAll(() => new Promise<void>((r) => cf.server.listen(0, '127.0.0.1', r)));
afterAll(() => cf.server.close());

beforeEach(async () => {
  ({ db } = freshCell());
  bindRuntime(
    db,
    createRuntime(
      {
        ...process.env,
        PIC_DOCKER_SOCKET: '/nonexistent/docker.sock',
        PIC_CLOUDFLARE_API_URL: `http://127.0.0.1:${(cf.server.address() as AddressInfo).port}`,
      },
      { wireguard: recordingBackend({ rules: true }).backend },
    ),
  );
  cf.reset();
});

const outcomes = (list: { name: string; type: string; outcome: string }[]) =>
  list.map((r) => `${r.name} ${r.type} ${r.outcome}`);

describe('publishing a service’s records at Cloudflare', () => {
  it('makes what is missing, leaves what is there, updates its own, never touches others’ and withdraws only its own', async () => {
    await setUp(db, { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' });
    await admin(db).dns.updateSettings({ publicAddress: '198.51.100.7' });
    await settleChanges();
    installedRow(db, 'mail', { hostIndex: 22 });
    // Someone's own SPF and a verification record stand at the domain already.
    cf.add({ type: 'TXT', name: 'home.example.org', content: '"v=spf1 include:_spf.example.net ~all"' });
    cf.add({ type: 'TXT', name: 'home.example.org', content: 'site-verification=abc' });

    const first = await admin(db).store.publishRecords({ instanceId: 'mail' });
    expect(outcomes(first)).toEqual([
      'mail.home.example.org A created',
      'home.example.org MX created',
      'home.example.org TXT conflict',
      '_dmarc.home.example.org TXT created',
      '_imaps._tcp.home.example.org SRV created',
      '_submission._tcp.home.example.org SRV created',
      'mail._domainkey.home.example.org TXT waiting',
    ]);
    expect(first[2]!.detail).toBe(
      'already holds v=spf1 include:_spf.example.net ~all, not made by the cell: change or delete it at Cloudflare',
    );
    const made = cf.records.filter((r) => r.comment === 'personal-internet-cell: service mail');
    expect(made.map(({ id: _id, comment: _c, ...r }) => r)).toEqual([
      { type: 'A', name: 'mail.home.example.org', content: '198.51.100.7', ttl: 300, proxied: false },
      { type: 'MX', name: 'home.example.org', priority: 10, content: 'mail.home.example.org', ttl: 300 },
      {
        type: 'TXT',
        name: '_dmarc.home.example.org',
        content: 'v=DMARC1; p=quarantine; rua=mailto:postmaster@home.example.org',
        ttl: 300,
      },
      {
        type: 'SRV',
        name: '_imaps._tcp.home.example.org',
        data: { priority: 0, weight: 1, port: 993, target: 'mail.home.example.org' },
        ttl: 300,
      },
      {
        type: 'SRV',
        name: '_submission._tcp.home.example.org',
        data: { priority: 0, weight: 1, port: 587, target: 'mail.home.example.org' },
        ttl: 300,
      },
    ]);

    // The DKIM key is read back, then the public address moves: the cell sends the records again
    // on its own, changing its A record and adding the key.
    db.update(storeInstances)
      .set({ readRecords: { 'mail._domainkey TXT': DKIM } })
      .run();
    cf.calls.length = 0;
    await admin(db).dns.updateSettings({ publicAddress: '198.51.100.9' });
    await settleChanges();
    expect(cf.calls.filter((c) => !c.startsWith('GET'))).toEqual([
      'PUT /zones/z1/dns_records/r3',
      'POST /zones/z1/dns_records',
    ]);
    expect(cf.records.find((r) => r.type === 'A')!.content).toBe('198.51.100.9');
    expect(cf.records.at(-1)).toMatchObject({ name: 'mail._domainkey.home.example.org', content: DKIM });
    const second = await admin(db).store.publishRecords({ instanceId: 'mail' });
    expect(outcomes(second)).toEqual([
      'mail.home.example.org A present',
      'home.example.org MX present',
      'home.example.org TXT conflict',
      '_dmarc.home.example.org TXT present',
      '_imaps._tcp.home.example.org SRV present',
      '_submission._tcp.home.example.org SRV present',
      'mail._domainkey.home.example.org TXT present',
    ]);

    // Withdrawn: the cell's six go, the two it did not make stay.
    expect(await withdrawDomainRecords(db, 'service mail')).toBe(6);
    expect(cf.records.map((r) => r.content)).toEqual([
      '"v=spf1 include:_spf.example.net ~all"',
      'site-verification=abc',
    ]);
  });

  it('says why when the token is refused, and outside the Cloudflare mode publishes nothing', async () => {
    await setUp(db, { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' });
    installedRow(db, 'mail', { hostIndex: 22 });
    cf.revoke();
    const refused = await expectCode(admin(db).store.publishRecords({ instanceId: 'mail' }), 'PRECONDITION_FAILED');
    expect(refused.message).toMatch(/^Cloudflare refused the token: Authentication error \(10000\)/);
    expect(cf.records).toEqual([]);

    const lan = freshCell().db;
    await setUp(lan);
    installedRow(lan, 'mail', { hostIndex: 22 });
    const err = await expectCode(admin(lan).store.publishRecords({ instanceId: 'mail' }), 'PRECONDITION_FAILED');
    expect(err.message).toBe(
      'Only the Cloudflare domain mode publishes records: add them at your DNS provider by hand',
    );
  });

  it('an install ends by publishing (a record it could not publish fails that step only) and a removal by withdrawing', async () => {
    await setUp(db, { domainMode: 'cloudflare', domain: 'home.example.org', ddnsToken: 'cf-token-abcdef' });
    await admin(db).dns.updateSettings({ publicAddress: '198.51.100.7' });
    await settleChanges();
    installedRow(db, 'mail', { hostIndex: 22 });
    installedRow(db, 'calendar', { hostIndex: 23 });
    // A service with no records publishes nothing.
    expect(publishStep(db, 'calendar')).toEqual([]);
    const [step] = publishStep(db, 'mail');
    expect(step).toMatchObject({ name: 'publish', optional: true });
    await expect(step!.run({ report: () => undefined })).rejects.toThrow(
      'mail._domainkey.home.example.org TXT: its value is not known yet',
    );
    expect(cf.records).toHaveLength(6);
    db.update(storeInstances)
      .set({ readRecords: { 'mail._domainkey TXT': DKIM } })
      .run();
    expect(await step!.run({ report: () => undefined })).toBe('7 records at Cloudflare');
    const [withdraw] = withdrawStep(db, 'mail');
    expect(await withdraw!.run({ report: () => undefined })).toBe('7 records removed at Cloudflare');
    expect(cf.records).toEqual([]);

    const lan = freshCell().db;
    await setUp(lan);
    installedRow(lan, 'mail', { hostIndex: 22 });
    expect([...publishStep(lan, 'mail'), ...withdrawStep(lan, 'mail')]).toEqual([]);
  });
});
