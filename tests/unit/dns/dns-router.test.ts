import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { openDb } from '@/server/db';
import { dnsRecords } from '@/server/db/schema';
import { nextSerial } from '@/server/managers/dns';
import { claimName, releaseOwner, serviceOwner } from '@/server/managers/names';
import { admin, expectCode, freshCell, setUp, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';
import { applyAll, settleChanges } from '@/server/runtime/changes';

// No engine: applies write the files and stay pending.
process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

let db: Db;
let dir: string;
beforeEach(async () => {
  ({ db, dir } = freshCell());
  useBackend(db, recordingBackend().backend);
  await setUp(db);
});

const dnsFile = (name: string) => fs.readFileSync(path.join(dir, 'config', 'dns', name), 'utf8');
const serialOf = (zone: string) => Number(/SOA\s+\S+ \S+ \( (\d+)/.exec(dnsFile(zone))![1]);
const fieldOf = (err: { cause?: unknown; shape?: unknown }) => (err.cause as { field?: string }).field;
const record = (input: Record<string, unknown>) =>
  admin(db).dns.createRecord({ zone: 'cell', ttl: 300, ...input } as never);
const automatic = async (name: string) =>
  (await admin(db).dns.records()).automatic
    .filter((r) => r.name === name)
    .map((r) => `${r.zone} ${r.type} ${r.value} (${r.owner})`);

describe('automatic names', () => {
  it('names the cell, its services and the domain after setup', async () => {
    await admin(db).dns.records();
    expect(await automatic('home')).toEqual(['cell A 10.0.0.1 (the cell)']);
    expect(await automatic('ntp')).toEqual([
      'cell A 10.0.0.1 (service ntp)',
      'home.home.arpa A 10.0.0.1 (service ntp)',
    ]);
    expect(await automatic('@')).toEqual(['home.home.arpa A 10.0.0.1 (the cell)']);
  });

  it('follow a peer through create, rename, re-address and remove, in the zone file a moment later', async () => {
    const peer = await admin(db).peers.create({ name: 'Alice_Phone', routingPolicy: 'cell' });
    // The zones follow name changes coalesced, off the request path.
    await settleChanges();
    expect(await automatic('alice-phone')).toEqual(['cell A 10.0.0.2 (peer Alice_Phone)']);
    expect(dnsFile('cell.zone')).toMatch(/^alice-phone\t60\tIN\tA\t10\.0\.0\.2\t; peer Alice_Phone$/m);

    await admin(db).peers.update({ id: peer.id, name: 'alice-tablet' });
    await settleChanges();
    expect(await automatic('alice-phone')).toEqual([]);
    expect(dnsFile('cell.zone')).not.toContain('alice-phone');
    expect(dnsFile('cell.zone')).toMatch(/^alice-tablet\t60\tIN\tA\t10\.0\.0\.2/m);

    await admin(db).peers.update({ id: peer.id, address: '10.0.0.77' });
    await settleChanges();
    expect(dnsFile('cell.zone')).toMatch(/^alice-tablet\t60\tIN\tA\t10\.0\.0\.77/m);

    await admin(db).peers.remove({ id: peer.id });
    await settleChanges();
    expect(dnsFile('cell.zone')).not.toContain('alice-tablet');
  });

  it("reads only the changed peers' names after their changes, and renders what a whole read renders", async () => {
    const ids: number[] = [];
    for (const name of ['mid', 'zed']) ids.push((await admin(db).peers.create({ name, routingPolicy: 'cell' })).id);
    await settleChanges();
    const before = serialOf('cell.zone');
    // Not declared as a change: only a whole read sees it.
    claimName(db, 'quiet', serviceOwner('quiet', 'service'), { to: 'cell' });
    await admin(db).peers.update({ id: ids[1]!, name: 'beta' });
    await admin(db).peers.create({ name: 'kilo', routingPolicy: 'cell' });
    await admin(db).peers.remove({ id: ids[0]! });
    await settleChanges();
    const zones = () =>
      fs
        .readdirSync(path.join(dir, 'config', 'dns'))
        .sort()
        .map((f) => `${f}\n${dnsFile(f).replace(/\( \d+ /, '( SERIAL ')}`);
    const scoped = zones();
    const cell = dnsFile('cell.zone');
    expect(cell).not.toMatch(/^(mid|zed|quiet)\t/m);
    expect(cell).toMatch(/^beta\t60\tIN\tA\t10\.0\.0\.3/m);
    expect(cell).toMatch(/^kilo\t60\tIN\tA\t10\.0\.0\.4/m);
    expect(serialOf('cell.zone')).toBeGreaterThan(before);
    // The loops' pass reads everything: the same zones, and the name no change declared.
    await applyAll(db);
    expect(dnsFile('cell.zone')).toMatch(/^quiet\t/m);
    releaseOwner(db, serviceOwner('quiet', 'service'));
    await applyAll(db);
    expect(zones()).toEqual(scoped);
  });

  it('refuses a peer whose .cell name is taken, naming the owner', async () => {
    await record({ name: 'printer', type: 'A', value: '10.0.0.50' });
    const err = await expectCode(admin(db).peers.create({ name: 'Printer', routingPolicy: 'cell' }), 'CONFLICT');
    expect(err.message).toBe('printer.cell is already taken by a custom record');
    expect(fieldOf(err)).toBe('name');
    expect(
      (await expectCode(admin(db).peers.create({ name: 'dns', routingPolicy: 'cell' }), 'CONFLICT')).message,
    ).toContain('service dns');
    expect(
      (await expectCode(admin(db).peers.create({ name: 'home', routingPolicy: 'cell' }), 'CONFLICT')).message,
    ).toContain('the cell');
    expect((await admin(db).peers.list({})).total).toBe(0);
  });

  it('services claim their names in the registry, are named in both zones, and never over a peer', async () => {
    const calendar = serviceOwner('calendar');
    for (const label of ['calendar', 'dav', 'calendar']) claimName(db, label, calendar, { to: 'cell' });
    await admin(db).dns.updateSettings({});
    expect(await automatic('calendar')).toEqual([
      'cell A 10.0.0.1 (service calendar)',
      'home.home.arpa A 10.0.0.1 (service calendar)',
    ]);
    expect(dnsFile('cell.zone')).toMatch(/^dav\t300\tIN\tA\t10\.0\.0\.1\t; service calendar$/m);
    await admin(db).peers.create({ name: 'files', routingPolicy: 'cell' });
    expect(() => claimName(db, 'files', serviceOwner('files'), { to: 'cell' })).toThrow(
      'files.cell is already taken by peer files',
    );
    releaseOwner(db, calendar);
    await admin(db).dns.updateSettings({});
    expect(dnsFile('cell.zone')).not.toContain('calendar');
  });

  it('refuses a cell rename onto a peer', async () => {
    await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    const err = await expectCode(
      admin(db).settings.update({ cellName: 'laptop', timezone: 'UTC', domainMode: 'lan' }),
      'CONFLICT',
    );
    expect(err.message).toBe('laptop.cell is already taken by peer laptop');
    expect((await admin(db).settings.get()).cellName).toBe('home');
  });
});

describe('custom records', () => {
  it('creates one and returns it with its id; the zone file has it', async () => {
    const r = await record({ name: 'NAS', type: 'A', value: ' 10.0.0.40 ', ttl: 120 });
    expect(r).toMatchObject({
      id: expect.any(Number),
      zone: 'cell',
      name: 'nas',
      type: 'A',
      value: '10.0.0.40',
      ttl: 120,
    });
    expect(dnsFile('cell.zone')).toMatch(/^nas\t120\tIN\tA\t10\.0\.0\.40\t; custom$/m);
    const listed = await admin(db).dns.records({ search: 'nas' });
    expect(listed.custom.map((c) => c.id)).toEqual([r.id]);
  });

  it('names the field and the reason for bad input, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: 'a b', type: 'A', value: '10.0.0.1' }, 'name', /Labels of letters/],
      [{ name: 'x', type: 'A', value: '10.0.0.300' }, 'value', /IPv4 address/],
      [{ name: 'x', type: 'AAAA', value: '10.0.0.3' }, 'value', /IPv6 address/],
      [{ name: 'x', type: 'A', value: '10.0.0.3', ttl: 10 }, 'ttl', /At least 30 seconds/],
      [{ name: 'x', type: 'MX', value: 'mail' }, 'value', /preference and a host/],
      [{ name: 'x', type: 'SRV', value: '0 1 99999 x' }, 'value', /Priority, weight, port/],
    ];
    for (const [input, field, message] of cases) {
      const err = await expectCode(record(input), 'BAD_REQUEST');
      expect(err.message, JSON.stringify(input)).toMatch(new RegExp(`${field}: .*${message.source}`));
    }
    const zone = await expectCode(
      record({ zone: 'other.org', name: 'x', type: 'A', value: '10.0.0.3' }),
      'BAD_REQUEST',
    );
    expect(zone.message).toBe("The zone must be cell or the cell's domain home.home.arpa");
    expect(fieldOf(zone)).toBe('zone');
    // Every label fits and so does the name, but the whole name in a long domain is over 255 octets on the wire.
    const domain = `${'d'.repeat(60)}.example.org`;
    await admin(db).settings.update({ cellName: 'home', timezone: 'UTC', domainMode: 'http01', domain });
    const long = Array.from({ length: 3 }, (_, i) => `${'abcdefghij'.repeat(6)}${i}`).join('.');
    const tooLong = await expectCode(record({ zone: domain, name: long, type: 'A', value: '10.0.0.3' }), 'BAD_REQUEST');
    expect(tooLong.message).toMatch(/^name: .* is 260 octets in all; a DNS name has at most 255$/);
    expect(db.select().from(dnsRecords).all()).toEqual([]);
  });

  it('refuses shadowing an automatic name, duplicates and a CNAME beside other data', async () => {
    await admin(db).peers.create({ name: 'bob', routingPolicy: 'cell' });
    const shadow = await expectCode(record({ name: 'bob', type: 'TXT', value: 'hi' }), 'CONFLICT');
    expect(shadow.message).toBe('bob.cell belongs to peer bob');
    expect(
      (await expectCode(record({ zone: 'home.home.arpa', name: '@', type: 'A', value: '10.0.0.9' }), 'CONFLICT'))
        .message,
    ).toContain('belongs to the cell');

    await record({ name: 'www', type: 'A', value: '10.0.0.8' });
    expect((await expectCode(record({ name: 'www', type: 'A', value: '10.0.0.8' }), 'CONFLICT')).message).toBe(
      'The same A record for www already exists',
    );
    expect((await expectCode(record({ name: 'www', type: 'CNAME', value: 'home' }), 'CONFLICT')).message).toContain(
      'a CNAME must stand alone',
    );
    await record({ name: 'cal', type: 'CNAME', value: 'home' });
    expect((await expectCode(record({ name: 'cal', type: 'TXT', value: 'x' }), 'CONFLICT')).message).toBe(
      'cal is a CNAME; it cannot have other records',
    );
    expect(db.select().from(dnsRecords).all()).toHaveLength(2);
  });

  it('updates and removes; a removed record leaves the zone', async () => {
    const r = await record({ name: 'files', type: 'A', value: '10.0.0.30' });
    const updated = await admin(db).dns.updateRecord({
      id: r.id,
      zone: 'cell',
      name: 'files',
      type: 'A',
      value: '10.0.0.31',
      ttl: 600,
    });
    expect(updated).toMatchObject({ id: r.id, value: '10.0.0.31', ttl: 600 });
    expect(dnsFile('cell.zone')).toMatch(/^files\t600\tIN\tA\t10\.0\.0\.31/m);
    await admin(db).dns.removeRecord({ id: r.id });
    expect(dnsFile('cell.zone')).not.toContain('files');
    await expectCode(admin(db).dns.removeRecord({ id: r.id }), 'NOT_FOUND');
  });

  it('keeps hostile TXT data inside its quotes', async () => {
    await record({ name: 'note', type: 'TXT', value: 'x"; }\n$INCLUDE /etc/passwd' });
    const line = dnsFile('cell.zone')
      .split('\n')
      .find((l) => l.startsWith('note'))!;
    expect(line).toBe('note\t300\tIN\tTXT\t"x\\"; }\\010$INCLUDE /etc/passwd"\t; custom');
    expect(
      dnsFile('cell.zone')
        .split('\n')
        .filter((l) => l.startsWith('$')),
    ).toEqual(['$ORIGIN cell.', '$TTL 300']);
  });
});

describe('serial', () => {
  it('moves on every change, twice in one second too, and never back across a restart', async () => {
    await admin(db).dns.records();
    const first = serialOf('cell.zone');
    await record({ name: 'a', type: 'A', value: '10.0.0.20' });
    const second = serialOf('cell.zone');
    await record({ name: 'b', type: 'A', value: '10.0.0.21' });
    const third = serialOf('cell.zone');
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);

    // A restart renders the same zones: same serial. A change after it moves it on.
    const again = openDb(path.join(dir, 'cell.db'));
    await admin(again).dns.updateSettings({});
    expect(serialOf('cell.zone')).toBe(third);
    await admin(again).dns.createRecord({ zone: 'cell', name: 'c', type: 'A', value: '10.0.0.22', ttl: 300 });
    expect(serialOf('cell.zone')).toBeGreaterThan(third);
  });

  it("stays where a run for a peer's name left it when a whole read finds the zones unchanged", async () => {
    const peer = await admin(db).peers.create({ name: 'alice', routingPolicy: 'cell' });
    await settleChanges();
    await admin(db).peers.update({ id: peer.id, name: 'alice-phone' });
    await settleChanges();
    const serial = serialOf('cell.zone');
    expect(dnsFile('cell.zone')).toMatch(/^alice-phone\t/m);
    await applyAll(db);
    await applyAll(db);
    expect(serialOf('cell.zone')).toBe(serial);
    await record({ name: 'printer', type: 'A', value: '10.0.0.50' });
    expect(serialOf('cell.zone')).toBeGreaterThan(serial);
  });

  it('is at least one more than the last, even when the clock goes back', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(nextSerial(5, now)).toBe(now.getTime() / 1000);
    expect(nextSerial(now.getTime() / 1000 + 100, now)).toBe(now.getTime() / 1000 + 101);
    expect(nextSerial(4294967295, now)).toBe(4294967295);
  });
});

describe('the domain', () => {
  it('a new domain replaces the old zone files, and custom domain records follow', async () => {
    await record({ zone: 'home.home.arpa', name: 'www', type: 'CNAME', value: '@' });
    expect(fs.existsSync(path.join(dir, 'config/dns/home.home.arpa.internal.zone'))).toBe(true);
    await admin(db).settings.update({ cellName: 'home', timezone: 'UTC', domainMode: 'lan', domain: 'example.org' });
    const files = fs.readdirSync(path.join(dir, 'config/dns')).sort();
    expect(files).toEqual(['Corefile', 'cell.zone', 'example.org.internal.zone']);
    expect(dnsFile('Corefile')).not.toContain('home.home.arpa');
    expect(dnsFile('example.org.internal.zone')).toMatch(/^www\t300\tIN\tCNAME\t@\t; custom$/m);
    expect((await admin(db).dns.records()).custom[0]!.zone).toBe('example.org');
  });

  it('split horizon: the external view gets the public address, or goes upstream when there is none', async () => {
    expect(dnsFile('Corefile')).toMatch(/home\.home\.arpa\.:53 \{\n {4}forward \. 1\.1\.1\.1 9\.9\.9\.9\n/);
    await admin(db).dns.updateSettings({ publicAddress: '203.0.113.7' });
    expect(dnsFile('Corefile')).toContain(
      "expr incidr(client_ip(), '10.0.0.0/24') || incidr(client_ip(), '172.20.0.0/16')",
    );
    expect(dnsFile('home.home.arpa.external.zone')).toMatch(/^@\t300\tIN\tA\t203\.0\.113\.7/m);
    expect(dnsFile('home.home.arpa.internal.zone')).toMatch(/^@\t300\tIN\tA\t10\.0\.0\.1/m);
    await admin(db).dns.updateSettings({ publicAddress: '' });
    expect(fs.existsSync(path.join(dir, 'config/dns/home.home.arpa.external.zone'))).toBe(false);
  });
});

describe('settings and lookups', () => {
  it('upstreams, DNS over TLS, cache and the debug log reach the Corefile', async () => {
    const s = await admin(db).dns.settings();
    expect(s).toMatchObject({ upstreams: ['1.1.1.1', '9.9.9.9'], cache: true, logLevel: 'info', tlsServerName: null });
    await admin(db).dns.updateSettings({
      upstreams: ['9.9.9.9', '[2620:fe::fe]:853'],
      tlsServerName: 'dns.quad9.net',
      cache: false,
      logLevel: 'debug',
    });
    const corefile = dnsFile('Corefile');
    expect(corefile).toContain(
      'forward . tls://9.9.9.9:853 tls://[2620:fe::fe]:853 {\n        tls_servername dns.quad9.net',
    );
    expect(corefile).not.toContain('cache');
    expect(corefile).toMatch(/^ {4}log$/m);
    const bad = await expectCode(admin(db).dns.updateSettings({ upstreams: ['1.1.1.1', 'dns.google'] }), 'BAD_REQUEST');
    expect(bad.message).toMatch(/^upstreams\.1: An IP address/);
    expect((await expectCode(admin(db).dns.updateSettings({ upstreams: [] }), 'BAD_REQUEST')).message).toMatch(
      /upstreams: At least one/,
    );
    expect((await admin(db).dns.settings()).upstreams).toEqual(['9.9.9.9', '[2620:fe::fe]:853']);
  });

  it('answers from the rendered zones without an engine', async () => {
    await admin(db).peers.create({ name: 'alice', routingPolicy: 'cell' });
    await record({ name: 'cal', type: 'CNAME', value: 'home' });
    await record({ name: '*.lab', type: 'A', value: '10.0.0.99' });
    const look = (name: string, type = 'A') => admin(db).dns.lookup({ name, type: type as 'A' });
    expect(await look('alice.cell')).toMatchObject({
      status: 'NOERROR',
      answers: ['10.0.0.2'],
      source: expect.stringContaining('rendered zones'),
    });
    expect((await look('CAL.cell.')).answers).toEqual(['CNAME home', '10.0.0.1']);
    expect((await look('x.lab.cell')).answers).toEqual(['10.0.0.99']);
    expect((await look('nobody.cell')).status).toBe('NXDOMAIN');
    expect((await look('alice.cell', 'TXT')).status).toBe('NODATA');
    expect((await look('www.home.home.arpa')).answers).toEqual(['10.0.0.1']);
    expect(await look('example.com')).toMatchObject({
      status: 'ERROR',
      error: expect.stringContaining('outside the cell'),
    });
  });
});

describe('NTP and DHCP', () => {
  it('NTP sources and stratum reach chrony.conf; bad input names the field', async () => {
    expect((await admin(db).ntp.get()).allow).toEqual(['10.0.0.0/24', '172.20.0.0/16']);
    await admin(db).ntp.update({
      sources: [{ kind: 'server', host: 'ntp.example.org', iburst: false }],
      localStratum: 8,
    });
    const conf = fs.readFileSync(path.join(dir, 'config/ntp/chrony.conf'), 'utf8');
    expect(conf).toContain('server ntp.example.org\n');
    expect(conf).toContain('local stratum 8 orphan');
    expect(conf).toContain('allow 10.0.0.0/24\nallow 172.20.0.0/16\n');
    expect(
      (
        await expectCode(
          admin(db).ntp.update({
            sources: [{ kind: 'server', host: 'bad host\nallow all', iburst: true }],
            localStratum: 8,
          }),
          'BAD_REQUEST',
        )
      ).message,
    ).toMatch(/^sources\.0\.host: A hostname/);
    expect(
      (await expectCode(admin(db).ntp.update({ sources: [], localStratum: null }), 'BAD_REQUEST')).message,
    ).toMatch(/^sources: Add an upstream/);
    expect(await admin(db).ntp.status()).toMatchObject({
      available: false,
      reason: expect.stringContaining('No container engine'),
    });
  });

  it('DHCP is off until enabled; enabling adds cell-dhcp; reservations get .cell names', async () => {
    expect(await admin(db).dhcp.get()).toMatchObject({ enabled: false });
    expect((await admin(db).containers.stack()).components.find((c) => c.component === 'dhcp')!.enabled).toBe(false);
    const lan = {
      enabled: true,
      interface: 'eth0',
      rangeStart: '192.168.1.100',
      rangeEnd: '192.168.1.200',
      netmask: '255.255.255.0',
      leaseSeconds: 3600,
      gateway: '192.168.1.1',
      dnsServer: '192.168.1.2',
    };
    await admin(db).dhcp.update(lan);
    const dns = (await admin(db).containers.stack()).components.find((c) => c.component === 'dhcp')!;
    expect(dns.enabled).toBe(true);
    const dnsSpec = (await admin(db).containers.stack()).components.find((c) => c.component === 'dns')!.spec!;
    expect(dnsSpec.ports).toEqual([
      { container: 53, host: 53, protocol: 'udp', hostIp: '192.168.1.2' },
      { container: 53, host: 53, protocol: 'tcp', hostIp: '192.168.1.2' },
    ]);

    const r = await admin(db).dhcp.createReservation({
      mac: 'AA-BB-CC-DD-EE-01',
      address: '192.168.1.50',
      name: 'printer',
    });
    expect(r).toMatchObject({ mac: 'aa:bb:cc:dd:ee:01', address: '192.168.1.50', name: 'printer' });
    expect(fs.readFileSync(path.join(dir, 'config/dhcp/dnsmasq.conf'), 'utf8')).toContain(
      'dhcp-host=aa:bb:cc:dd:ee:01,192.168.1.50,printer',
    );
    expect(await automatic('printer')).toEqual(['cell A 192.168.1.50 (device printer (DHCP reservation))']);

    expect(
      (
        await expectCode(
          admin(db).dhcp.createReservation({ mac: 'aa:bb:cc:dd:ee:01', address: '192.168.1.51', name: 'nas' }),
          'CONFLICT',
        )
      ).message,
    ).toBe('aa:bb:cc:dd:ee:01 is already reserved for printer');
    expect(
      (
        await expectCode(
          admin(db).dhcp.createReservation({ mac: 'aa:bb:cc:dd:ee:02', address: '192.168.2.51', name: 'nas' }),
          'BAD_REQUEST',
        )
      ).message,
    ).toContain('outside the LAN');
    expect(
      (
        await expectCode(
          admin(db).dhcp.createReservation({ mac: '01:bb:cc:dd:ee:02', address: '192.168.1.51', name: 'nas' }),
          'BAD_REQUEST',
        )
      ).message,
    ).toMatch(/^mac: A multicast/);
    expect(
      (
        await expectCode(
          admin(db).dhcp.createReservation({ mac: 'aa:bb:cc:dd:ee:02', address: '192.168.1.51', name: 'ntp' }),
          'CONFLICT',
        )
      ).message,
    ).toContain('service ntp');
    expect(
      (
        await expectCode(
          admin(db).dhcp.update({
            ...lan,
            rangeStart: '10.1.0.10',
            rangeEnd: '10.1.0.20',
            gateway: null,
            dnsServer: '10.1.0.1',
          }),
          'CONFLICT',
        )
      ).message,
    ).toContain('Reservation printer');
    expect(
      (await expectCode(admin(db).dhcp.update({ ...lan, rangeEnd: '192.168.2.10' }), 'BAD_REQUEST')).message,
    ).toMatch(/^rangeEnd: /);

    await admin(db).dhcp.removeReservation({ id: r.id });
    expect(await automatic('printer')).toEqual([]);
    expect(await admin(db).dhcp.reservations()).toEqual([]);
  });
});
