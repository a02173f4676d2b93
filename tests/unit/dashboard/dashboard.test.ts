import { expect, it } from 'vitest';
import { admin, callerAs, freshCell, setUp } from '../../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

it('the dashboard counts routes, records and expiring certificates, and says which daemons lag behind', async () => {
  const { db } = freshCell();
  await setUp(db);
  const before = await admin(db).dashboard.summary();
  expect(before.counts).toMatchObject({
    routes: 0,
    dnsRecords: 0,
    certificatesExpiring: 0,
    admins: 1,
    peerAccounts: 0,
  });
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
  // Six changes went through the caller, each audited as started and as its outcome.
  expect(after.counts.changesLast24h - before.counts.changesLast24h).toBe(6);
  expect(after.counts.auditEntries - before.counts.auditEntries).toBe(12);
  // A peer's try at an admin procedure is refused, and counted so.
  await expect(
    callerAs(db, { id: 99, username: 'intruder', role: 'peer' }).dns.removeRecord({ id: 1 }),
  ).rejects.toThrow();
  const refused = await admin(db).dashboard.summary();
  expect(refused.counts.refusedLast24h - after.counts.refusedLast24h).toBe(1);
  // A typo the form sends back keeps nobody out: it is in the trail, not in the count.
  await expect(
    admin(db).dns.createRecord({ zone: 'cell', name: 'bad name', type: 'A', value: 'x', ttl: 1 }),
  ).rejects.toThrow();
  const typo = (await admin(db).dashboard.summary()).counts;
  expect(typo.auditEntries).toBe(refused.counts.auditEntries + 2);
  expect(typo.refusedLast24h).toBe(refused.counts.refusedLast24h);
  expect(after.configs.caddy).toMatchObject({
    pending: false,
    waiting: true,
    appliedVia: 'cell-caddy is not running; it reads the new config when it starts',
  });
}, 30_000);
