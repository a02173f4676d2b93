import { expect, it } from 'vitest';
import { admin, freshCell, setUp } from '../../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

it('the dashboard counts routes, records and expiring certificates, and says which daemons lag behind', async () => {
  const { db } = freshCell();
  await setUp(db);
  const before = await admin(db).dashboard.summary();
  expect(before.counts).toMatchObject({ routes: 0, dnsRecords: 0, certificatesExpiring: 0 });
  expect(before.configs.dns).toMatchObject({
    pending: true,
    error: expect.stringContaining('No container engine reachable'),
  });
  expect(before.ddns.provider).toBeNull();

  await admin(db).dns.createRecord({ zone: 'cell', name: 'nas', type: 'A', value: '10.0.0.40', ttl: 300 });
  await admin(db).routes.create({ host: 'files.home.home.arpa', upstream: 'files:80', access: 'peers' });
  await admin(db).vault.issue({ commonName: 'soon.cell', sans: ['soon.cell'], validityDays: 10 });
  const gone = await admin(db).vault.issue({ commonName: 'gone.cell', sans: ['gone.cell'], validityDays: 10 });
  await admin(db).vault.issue({ commonName: 'later.cell', sans: ['later.cell'], validityDays: 200 });
  await admin(db).vault.revoke({ id: gone.id, reason: 'superseded' });
  const after = await admin(db).dashboard.summary();
  expect(after.counts).toMatchObject({ routes: 1, dnsRecords: 1, certificatesExpiring: 1 });
  expect(after.configs.caddy).toMatchObject({
    pending: false,
    appliedVia: 'written; cell-caddy reads them when it starts',
  });
}, 30_000);
