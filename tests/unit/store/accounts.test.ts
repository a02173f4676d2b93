import bcrypt from 'bcryptjs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries, keptServiceAccounts, serviceAccounts, storeInstances } from '@/server/db/schema';
import { serviceClients, syncAccounts } from '@/server/managers/store';
import { keepAccounts, takeKeptAccounts } from '@/server/managers/store/kept-accounts';
import { settleChanges } from '@/server/runtime/changes';
import { admin, callerAs, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow, withoutEngine } from '../../helpers/store';

let db: Db;
const peers: Record<string, number> = {};

async function peerWithLogin(name: string) {
  const { id } = await admin(db).peers.create({ name, routingPolicy: 'cell' });
  const login = await admin(db).peers.createLogin({ peerId: id, username: name, mode: 'link' });
  peers[name] = id;
  return { id, userId: login.userId };
}
const accounts = () =>
  db
    .select({ peerId: serviceAccounts.peerId, username: serviceAccounts.username })
    .from(serviceAccounts)
    .all()
    .map((a) => a.username)
    .sort();

beforeEach(async () => {
  ({ db } = freshCell());
  withoutEngine(db);
  await setUp(db);
  installedRow(db, 'calendar');
  await settleChanges();
});

describe("peers' accounts on a service", () => {
  it('are made for peers with a portal login that the firewall lets use the service, and no one else', async () => {
    await peerWithLogin('alice');
    await peerWithLogin('bob');
    await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    await admin(db).groups.create({ name: 'dns only', services: ['dns'] });
    const [group] = await admin(db).groups.list();
    await admin(db).peers.update({ id: peers.bob!, groups: [group!.id] });
    const outcome = await syncAccounts(db);
    expect(accounts()).toEqual(['alice']);
    // The engine is not there: the files wait, and say so.
    expect(outcome).toMatchObject({ state: 'pending', reason: 'the engine cannot be reached' });
    expect(outcome.instances).toEqual([{ id: 'calendar', accounts: 1, put: false, waiting: 'the engine' }]);
  });

  it('go when the peer loses the service or is removed, and come back with a new hash when allowed again', async () => {
    const alice = await peerWithLogin('alice');
    await syncAccounts(db);
    const [before] = db.select().from(serviceAccounts).all();
    const group = await admin(db).groups.create({ name: 'no calendar', services: ['dns'] });
    await admin(db).peers.update({ id: alice.id, groups: [group.id] });
    await syncAccounts(db);
    expect(accounts()).toEqual([]);
    await admin(db).peers.update({ id: alice.id, groups: [] });
    await syncAccounts(db);
    const [after] = db.select().from(serviceAccounts).all();
    expect(after!.passwordHash).not.toBe(before!.passwordHash);
    await admin(db).peers.remove({ id: alice.id });
    await syncAccounts(db);
    expect(accounts()).toEqual([]);
  });

  it('the peer resets its password in the portal: shown once, kept as a bcrypt hash, never in the trail', async () => {
    const alice = await peerWithLogin('alice');
    await syncAccounts(db);
    const portal = callerAs(db, { id: alice.userId, username: 'alice', role: 'peer' });
    const [listed] = await portal.portal.services();
    expect(listed).toMatchObject({
      service: 'calendar',
      host: 'calendar.home.home.arpa',
      port: 443,
      url: 'https://calendar.home.home.arpa/',
      username: 'alice',
      passwordShownAt: null,
      settings: [
        { label: 'Server (CalDAV and CardDAV)', kind: 'url', value: 'https://calendar.home.home.arpa/' },
        { label: 'Username', kind: 'username', value: 'alice' },
        { label: "Your groups' shared calendars", kind: 'url', value: 'https://calendar.home.home.arpa/groups/' },
      ],
      setup: { link: 'caldavs://alice@calendar.home.home.arpa/' },
    });
    expect(listed!.setup!.qr).toMatch(/^<svg/);

    const reset = await portal.portal.resetServicePassword({ service: 'calendar' });
    expect(reset).toMatchObject({ service: 'calendar', username: 'alice', applied: false });
    expect(reset.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const [row] = db.select().from(serviceAccounts).all();
    expect(await bcrypt.compare(reset.password, row!.passwordHash)).toBe(true);
    expect(JSON.stringify(await portal.portal.services())).not.toContain(reset.password);
    expect(JSON.stringify(await admin(db).store.accounts.list({ instanceId: 'calendar' }))).not.toContain('$2');
    const trail = JSON.stringify(db.select().from(auditEntries).all());
    expect(trail).toContain('portal.resetServicePassword');
    expect(trail).not.toContain(reset.password);
  });

  it("a peer cannot reset another service's password it has no account on, nor reach the admin's reset", async () => {
    const alice = await peerWithLogin('alice');
    await syncAccounts(db);
    const portal = callerAs(db, { id: alice.userId, username: 'alice', role: 'peer' });
    const err = await expectCode(portal.portal.resetServicePassword({ service: 'files' }), 'NOT_FOUND');
    expect(err.message).toBe('This peer has no account on files');
    await expectCode(portal.store.accounts.resetPassword({ instanceId: 'calendar', peerId: alice.id }), 'FORBIDDEN');
    const admins = await admin(db).store.accounts.resetPassword({ instanceId: 'calendar', peerId: alice.id });
    expect(admins.username).toBe('alice');
    expect((await admin(db).store.accounts.list({ instanceId: 'calendar' }))[0]).toMatchObject({
      username: 'alice',
      enabled: true,
      passwordShownAt: expect.any(Date),
    });
  });

  it('admit through Caddy only the peers allowed, once not every peer is: by their tunnel addresses, and the cell network', async () => {
    const alice = await peerWithLogin('alice');
    const { id: laptop } = await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    expect(serviceClients(db).get('calendar')).toBeNull();
    const group = await admin(db).groups.create({ name: 'no calendar', services: ['dns', 'web'] });
    await admin(db).peers.update({ id: laptop, groups: [group.id] });
    const a = (await admin(db).peers.list({})).items.find((p) => p.id === alice.id);
    expect(serviceClients(db).get('calendar')).toEqual(['172.20.0.0/16', `${a!.address}/32`]);
  });

  it('a reset on a service whose own commands make its accounts says why it cannot run them now', async () => {
    installedRow(db, 'mail', { hostIndex: 22 });
    const alice = await peerWithLogin('alice');
    await syncAccounts(db);
    const portal = callerAs(db, { id: alice.userId, username: 'alice', role: 'peer' });
    const err = await expectCode(portal.portal.resetServicePassword({ service: 'mail' }), 'PRECONDITION_FAILED');
    expect(err.message).toBe('No container engine reachable at /nonexistent/docker.sock: no socket there');
    // Nothing was shown, and the account still waits for the service to make it.
    expect((await portal.portal.services()).find((s) => s.service === 'mail')?.passwordShownAt).toBeNull();
  });

  it('kept with the data of a removed service, come back with the same hashes; a peer gone meanwhile is let go', async () => {
    await peerWithLogin('alice');
    const bob = await peerWithLogin('bob');
    await syncAccounts(db);
    const before = db.select().from(serviceAccounts).all();
    expect(keepAccounts(db, 'calendar')).toBe(2);
    db.delete(storeInstances).run();
    expect(db.select().from(serviceAccounts).all()).toEqual([]);
    await admin(db).peers.remove({ id: bob.id });
    expect(
      db.select({ u: keptServiceAccounts.username, p: keptServiceAccounts.peerId }).from(keptServiceAccounts).all(),
    ).toEqual([
      { u: 'alice', p: peers.alice },
      { u: 'bob', p: null },
    ]);

    installedRow(db, 'calendar');
    expect(takeKeptAccounts(db, 'calendar')).toEqual({ accounts: 2, aliases: 0 });
    const back = db.select().from(serviceAccounts).all();
    const alice = back.find((a) => a.username === 'alice')!;
    expect(alice.passwordHash).toBe(before.find((a) => a.username === 'alice')!.passwordHash);
    expect(alice).toMatchObject({ peerId: peers.alice, removing: false });
    expect(back.find((a) => a.username === 'bob')).toMatchObject({ peerId: null });
    expect(db.select().from(keptServiceAccounts).all()).toEqual([]);
    // The next pass keeps Alice's (her password unchanged) and lets Bob's go.
    await syncAccounts(db);
    expect(accounts()).toEqual(['alice']);
    expect(db.select().from(serviceAccounts).all()[0]!.passwordHash).toBe(alice.passwordHash);
  });
});
