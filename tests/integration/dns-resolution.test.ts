import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { admin, freshCell, setUp, useBackend } from '../helpers/db';
import { dig, digStatus, startKnot, type Knot } from '../helpers/knot';
import { requireTools } from '../helpers/netns';
import { recordingBackend } from '../helpers/wireguard';
import { settleChanges } from '@/server/runtime/changes';

// The zones the cell renders, served by a real authoritative server (Knot DNS) on loopback.
const ready = requireTools(
  'the DNS resolution suite',
  ['knotd', 'knotc', 'dig', 'named-checkzone'],
  'apt-get install knot dnsutils bind9-utils',
);
process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

const PORT = 20000 + (process.pid % 20000);
const EXTERNAL_PORT = PORT + 1;
const HOST = '127.0.0.1';

describe.skipIf(!ready)('rendered zones on a real name server', () => {
  let db: Db;
  let dir: string;
  let internal: Knot;
  let external: Knot;
  let wwwId: number;
  let peerId: number;

  beforeAll(async () => {
    ({ db, dir } = freshCell());
    useBackend(db, recordingBackend().backend);
    await setUp(db, { domainMode: 'http01', domain: 'example.org' });
    peerId = (await admin(db).peers.create({ name: 'alice-phone', routingPolicy: 'cell' })).id;
    await settleChanges();
    const add = (zone: string, name: string, type: string, value: string) =>
      admin(db).dns.createRecord({ zone, name, type: type as 'A', value, ttl: 300 });
    await add('cell', 'calendar', 'CNAME', 'home');
    await add('cell', '@', 'MX', '10 mail');
    await add('cell', 'mail', 'A', '10.0.0.10');
    await add('cell', '_caldavs._tcp', 'SRV', '0 1 443 calendar');
    await add('cell', 'note', 'TXT', 'a "quoted" value; with $ORIGIN inside');
    await add('cell', 'v6', 'AAAA', 'fd00:cafe::6');
    wwwId = (await add('example.org', 'www', 'A', '10.0.0.80')).id;
    await admin(db).dns.updateSettings({ publicAddress: '203.0.113.7' });
    const zones = path.join(dir, 'config', 'dns');
    internal = await startKnot({
      address: HOST,
      port: PORT,
      zones: { cell: path.join(zones, 'cell.zone'), 'example.org': path.join(zones, 'example.org.internal.zone') },
    });
    external = await startKnot({
      address: HOST,
      port: EXTERNAL_PORT,
      zones: { 'example.org': path.join(zones, 'example.org.external.zone') },
    });
  }, 30_000);

  afterAll(async () => {
    await internal?.stop();
    await external?.stop();
    delete process.env.PIC_DNS_SERVER;
  });

  const q = (name: string, type = 'A') => dig(HOST, PORT, name, type);

  it('every zone file the cell wrote passes named-checkzone', () => {
    const zones = path.join(dir, 'config', 'dns');
    for (const [origin, file] of [
      ['cell', 'cell.zone'],
      ['example.org', 'example.org.internal.zone'],
      ['example.org', 'example.org.external.zone'],
    ]) {
      expect(execFileSync('named-checkzone', [origin!, path.join(zones, file!)], { encoding: 'utf8' })).toMatch(
        /OK\s*$/,
      );
    }
  });

  it('peers, the cell and its services resolve', () => {
    expect(q('alice-phone.cell')).toEqual(['10.0.0.2']);
    expect(q('home.cell')).toEqual(['10.0.0.1']);
    expect(q('ntp.cell')).toEqual(['10.0.0.1']);
    expect(q('dns.cell')).toEqual(['10.0.0.1']);
    expect(q('ns.cell')).toEqual(['10.0.0.1']);
  });

  it('custom records of every type resolve', () => {
    expect(q('calendar.cell')).toEqual(['home.cell.', '10.0.0.1']);
    expect(q('cell', 'MX')).toEqual(['10 mail.cell.']);
    expect(q('_caldavs._tcp.cell', 'SRV')).toEqual(['0 1 443 calendar.cell.']);
    expect(q('note.cell', 'TXT')).toEqual(['"a \\"quoted\\" value; with $ORIGIN inside"']);
    expect(q('v6.cell', 'AAAA')).toEqual(['fd00:cafe::6']);
  });

  it('the internal and external views of the domain answer differently', () => {
    expect(q('example.org')).toEqual(['10.0.0.1']);
    expect(q('anything.example.org')).toEqual(['10.0.0.1']);
    expect(q('www.example.org')).toEqual(['10.0.0.80']);
    expect(dig(HOST, EXTERNAL_PORT, 'example.org')).toEqual(['203.0.113.7']);
    expect(dig(HOST, EXTERNAL_PORT, 'anything.example.org')).toEqual(['203.0.113.7']);
    expect(dig(HOST, EXTERNAL_PORT, 'ntp.example.org')).toEqual(['203.0.113.7']);
  });

  it('the cell’s lookup asks the running server', async () => {
    process.env.PIC_DNS_SERVER = `${HOST}:${PORT}`;
    const answer = await admin(db).dns.lookup({ name: 'alice-phone.cell', type: 'A' });
    expect(answer).toMatchObject({ status: 'NOERROR', answers: ['10.0.0.2'], source: `cell-dns at ${HOST}:${PORT}` });
    expect((await admin(db).dns.lookup({ name: 'nobody.cell', type: 'A' })).status).toBe('NXDOMAIN');
    expect((await admin(db).dns.lookup({ name: 'cell', type: 'MX' })).answers).toEqual(['10 mail.cell']);
    delete process.env.PIC_DNS_SERVER;
  });

  it('a deleted record and a removed peer stop resolving after the apply, with a higher serial', async () => {
    const before = Number(q('cell', 'SOA')[0]!.split(' ')[2]);
    await admin(db).dns.removeRecord({ id: wwwId });
    await admin(db).peers.remove({ id: peerId });
    await settleChanges();
    await internal.reload();
    await expect.poll(() => digStatus(HOST, PORT, 'alice-phone.cell'), { timeout: 5000 }).toBe('NXDOMAIN');
    // www now falls under the wildcard: the cell, not the deleted address.
    expect(q('www.example.org')).toEqual(['10.0.0.1']);
    expect(Number(q('cell', 'SOA')[0]!.split(' ')[2])).toBeGreaterThan(before);
  });
});
