import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { cellNames } from '@/server/db/schema';
import { heldNames, ownerOf } from '@/server/managers/names';
import { settleChanges } from '@/server/runtime/changes';
import { ensurePeerNames } from '@/server/managers/peers';
import { admin, expectCode, freshCell, reopenBefore, setUp, UNDO_ROUTES_RENAME, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

let db: Db;
let dir: string;
beforeEach(async () => {
  ({ db, dir } = freshCell());
  useBackend(db, recordingBackend().backend);
  await setUp(db);
});

const registry = () => heldNames(db).map((n) => `${n.label}: ${n.owner.description}`);
const LAN = {
  enabled: true,
  interface: 'eth0',
  rangeStart: '192.168.1.100',
  rangeEnd: '192.168.1.200',
  netmask: '255.255.255.0',
  leaseSeconds: 3600,
  gateway: '192.168.1.1',
  dnsServer: '192.168.1.2',
};

describe('the name registry', () => {
  it('holds the cell and its core services after setup, and follows a rename of the cell', async () => {
    expect(registry()).toEqual(['dns: service dns', 'home: the cell', 'ntp: service ntp']);
    await admin(db).settings.update({ cellName: 'castle', timezone: 'UTC', domainMode: 'lan' });
    expect(registry()).toEqual(['castle: the cell', 'dns: service dns', 'ntp: service ntp']);
    expect(ownerOf(db, 'ns')?.description).toBe("the zone's name server");
  });

  it('gives each owner its names and takes them back: peers, devices, routes, custom records', async () => {
    const peer = await admin(db).peers.create({ name: 'Alice.Phone', routingPolicy: 'cell' });
    await admin(db).dhcp.update(LAN);
    const device = await admin(db).dhcp.createReservation({
      mac: 'aa:bb:cc:dd:ee:01',
      address: '192.168.1.50',
      name: 'printer',
    });
    const route = await admin(db).routes.create({ host: 'nas.cell', upstream: '192.168.1.60:5000', access: 'peers' });
    await admin(db).dns.createRecord({ zone: 'cell', name: 'tv', type: 'A', value: '192.168.1.70', ttl: 300 });
    await admin(db).dns.createRecord({ zone: 'cell', name: 'tv', type: 'TXT', value: 'living room', ttl: 300 });
    expect(registry()).toEqual([
      'alice-phone: peer Alice.Phone',
      'dns: service dns',
      'home: the cell',
      'nas: route nas.cell',
      'ntp: service ntp',
      'printer: device printer (DHCP reservation)',
      'tv: a custom record',
    ]);

    // Every conflict names who holds the label, whoever asks.
    for (const [attempt, holder] of [
      [admin(db).peers.create({ name: 'printer', routingPolicy: 'cell' }), 'device printer (DHCP reservation)'],
      [admin(db).peers.create({ name: 'TV', routingPolicy: 'cell' }), 'a custom record'],
      [admin(db).peers.create({ name: 'nas', routingPolicy: 'cell' }), 'route nas.cell'],
      [
        admin(db).dhcp.createReservation({ mac: 'aa:bb:cc:dd:ee:02', address: '192.168.1.51', name: 'alice-phone' }),
        'peer Alice.Phone',
      ],
      [
        admin(db).routes.create({ host: 'printer.cell', upstream: '192.168.1.50:80', access: 'peers' }),
        'device printer',
      ],
    ] as const)
      expect((await expectCode(attempt, 'CONFLICT')).message).toContain(holder);

    await admin(db).peers.update({ id: peer.id, name: 'alice-tablet' });
    await admin(db).dhcp.removeReservation({ id: device.id });
    await admin(db).routes.remove({ id: route.id });
    const tv = (await admin(db).dns.records()).custom.filter((r) => r.name === 'tv');
    await admin(db).dns.removeRecord({ id: tv[0]!.id });
    expect(registry()).toContain('tv: a custom record');
    await admin(db).dns.removeRecord({ id: tv[1]!.id });
    expect(registry()).toEqual([
      'alice-tablet: peer alice-tablet',
      'dns: service dns',
      'home: the cell',
      'ntp: service ntp',
    ]);

    // A freed name can be taken by anyone; a removed peer frees its own.
    await admin(db).peers.create({ name: 'printer', routingPolicy: 'cell' });
    await admin(db).peers.remove({ id: peer.id });
    await settleChanges();
    expect(registry()).toEqual(['dns: service dns', 'home: the cell', 'ntp: service ntp', 'printer: peer printer']);
  });

  it('a cell from before the registry keeps every name it had, the same holder winning', async () => {
    await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    await admin(db).dhcp.update(LAN);
    await admin(db).dhcp.createReservation({ mac: 'aa:bb:cc:dd:ee:01', address: '192.168.1.50', name: 'printer' });
    await admin(db).routes.create({ host: 'nas.cell', upstream: '192.168.1.60:5000', access: 'peers' });
    await admin(db).dns.createRecord({ zone: 'cell', name: 'tv', type: 'A', value: '192.168.1.70', ttl: 300 });
    const before = registry();

    // Back to the tables of the last version: names held by services only, nothing else stored.
    db = reopenBefore(
      db,
      path.join(dir, 'cell.db'),
      '0010_names',
      `${UNDO_ROUTES_RENAME}
      DROP TABLE cell_names;
      CREATE TABLE dns_service_names (name text PRIMARY KEY NOT NULL, service text NOT NULL, created_at integer NOT NULL);
      INSERT INTO dns_service_names VALUES ('dns', 'dns', 0), ('ntp', 'ntp', 0), ('nas', 'routes', 0), ('calendar', 'calendar', 0);`,
    );
    expect(
      db
        .select()
        .from(cellNames)
        .all()
        .map((r) => r.label),
    ).not.toContain('laptop');
    expect(ensurePeerNames(db)).toBe(1);
    expect(ensurePeerNames(db)).toBe(0);
    expect(registry()).toEqual([...before, 'calendar: service calendar'].sort());
    expect(
      db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'dns_service_names'").get(),
    ).toEqual({ n: 0 });
  });
});
