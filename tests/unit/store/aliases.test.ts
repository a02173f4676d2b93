/**
 * Mail aliases: `family@` delivers to the accounts of the peers and groups it names, as they
 * are now. The service is told one recipient at a time (`setup alias add|del`, argument
 * arrays), and what it was told follows peers joining and leaving the group, and the alias going.
 */
import type Docker from 'dockerode';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { engineOn } from '@/server/runtime/docker';
import { keptServiceAliases, serviceAccounts, serviceAliases, storeInstances } from '@/server/db/schema';
import { syncAccounts } from '@/server/managers/store';
import { keepAccounts, putBackAccounts, takeKeptAccounts } from '@/server/managers/store/kept-accounts';
import { settleChanges } from '@/server/runtime/changes';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow } from '../../helpers/store';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
/** The mail server's aliases as its `setup alias` commands leave them. */
let aliases: Set<string>;
let commands: string[][];
let failAlias: string | null;
/** The accounts the mail server has, as docker-mailserver keeps them: made once, then updated. */
let mailboxes: Set<string>;

beforeEach(async () => {
  ({ db } = freshCell());
  aliases = new Set();
  commands = [];
  failAlias = null;
  mailboxes = new Set();
  const env = { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' };
  const engine = {
    ...engineOn(env),
    status: async () => ({ reachable: true, socket: 'fake' }),
    client: async () => ({}) as Docker,
    exec: async (_container: string, argv: string[]) => {
      commands.push(argv);
      if (argv[1] === 'alias') {
        if (argv[3] === failAlias) return { exitCode: 1, stdout: '', stderr: 'setup: cannot write' };
        const pair = `${argv[3]} ${argv[4]}`;
        if (argv[2] === 'add') aliases.add(pair);
        else aliases.delete(pair);
      }
      if (argv[1] === 'email') {
        const address = argv.at(-1 - Number(argv[2] !== 'del'))!;
        const has = mailboxes.has(address);
        if (argv[2] === 'add' && has) return { exitCode: 1, stdout: '', stderr: `'${address}' already exists` };
        if (argv[2] === 'update' && !has) return { exitCode: 1, stdout: '', stderr: `'${address}' does not exist` };
        if (argv[2] === 'del') mailboxes.delete(address);
        else mailboxes.add(address);
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  };
  bindRuntime(db, createRuntime(env, { wireguard: recordingBackend({ rules: true }).backend, engine }));
  await setUp(db);
  installedRow(db, 'mail', { hostIndex: 22 });
});

async function peerWithLogin(name: string, groups: number[] = []) {
  const { id } = await admin(db).peers.create({ name, routingPolicy: 'cell', groups });
  await admin(db).peers.createLogin({ peerId: id, username: name, mode: 'link' });
  await settleChanges();
  return id;
}

describe('aliases of a service', () => {
  it('delivers to the group’s members with accounts and follows the group as it changes', async () => {
    const family = await admin(db).groups.create({ name: 'family', services: ['mail'] });
    const alice = await peerWithLogin('alice', [family.id]);
    const bob = await peerWithLogin('bob', [family.id]);
    const carol = await peerWithLogin('carol');

    const made = await admin(db).store.aliases.create({ instanceId: 'mail', name: 'Family', groupIds: [family.id] });
    expect(made).toMatchObject({
      name: 'family',
      address: 'family@home.home.arpa',
      recipients: ['alice@home.home.arpa', 'bob@home.home.arpa'],
      applied: true,
    });
    expect([...aliases].sort()).toEqual([
      'family@home.home.arpa alice@home.home.arpa',
      'family@home.home.arpa bob@home.home.arpa',
    ]);
    expect(commands.filter((c) => c[1] === 'alias')).toContainEqual([
      'setup',
      'alias',
      'add',
      'family@home.home.arpa',
      'alice@home.home.arpa',
    ]);

    // Carol joins the family, Bob is deleted: the alias follows at the next accounts pass.
    await admin(db).peers.update({ id: carol, groups: [family.id] });
    await admin(db).peers.remove({ id: bob });
    await settleChanges();
    expect([...aliases].sort()).toEqual([
      'family@home.home.arpa alice@home.home.arpa',
      'family@home.home.arpa carol@home.home.arpa',
    ]);

    // Named by peer as well: Alice once, however she is named.
    const updated = await admin(db).store.aliases.update({ id: made.id, peerIds: [alice], groupIds: [] });
    expect(updated.recipients).toEqual(['alice@home.home.arpa']);
    expect([...aliases]).toEqual(['family@home.home.arpa alice@home.home.arpa']);

    await admin(db).store.aliases.remove({ id: made.id });
    expect(aliases.size).toBe(0);
    expect(await admin(db).store.aliases.list({ instanceId: 'mail' })).toEqual([]);
  });

  it('refuses a taken name, an account’s name, peers without an account and unknown groups, naming the field', async () => {
    const alice = await peerWithLogin('alice');
    const { id: noLogin } = await admin(db).peers.create({ name: 'printer', routingPolicy: 'cell' });
    await admin(db).store.aliases.create({ instanceId: 'mail', name: 'postmaster', peerIds: [alice] });
    const cases = [
      [{ name: 'postmaster', peerIds: [alice] }, 'CONFLICT', /^postmaster is an alias already$/],
      [{ name: 'alice', peerIds: [alice] }, 'CONFLICT', /^alice is an account on mail$/],
      [
        { name: 'team', peerIds: [noLogin] },
        'PRECONDITION_FAILED',
        new RegExp(`^Peer ${noLogin} has no account on mail$`),
      ],
      [{ name: 'team', groupIds: [999] }, 'NOT_FOUND', /^No group 999$/],
      [{ name: 'team' }, 'BAD_REQUEST', /^peerIds: Choose at least one peer or group$/],
      [{ name: 'te\nam', peerIds: [alice] }, 'BAD_REQUEST', /^name: Letters, digits/],
      [{ name: '{{password}}', peerIds: [alice] }, 'BAD_REQUEST', /^name: /],
    ] as const;
    for (const [input, code, message] of cases) {
      const err = await expectCode(
        admin(db).store.aliases.create({ instanceId: 'mail', ...(input as { name: string; peerIds?: number[] }) }),
        code,
      );
      expect(err.message).toMatch(message);
    }
    const calendar = await expectCode(admin(db).store.aliases.list({ instanceId: 'calendar' }), 'NOT_FOUND');
    expect(calendar.message).toMatch(/calendar/);
    installedRow(db, 'calendar');
    const noAliases = await expectCode(admin(db).store.aliases.list({ instanceId: 'calendar' }), 'PRECONDITION_FAILED');
    expect(noAliases.message).toBe('calendar has no aliases');
  });

  it('a command that fails leaves what was told recorded, and the next pass finishes', async () => {
    const alice = await peerWithLogin('alice');
    const bob = await peerWithLogin('bob');
    failAlias = 'team@home.home.arpa';
    const made = await admin(db).store.aliases.create({ instanceId: 'mail', name: 'team', peerIds: [alice, bob] });
    expect(made.applied).toBe(false);
    expect(aliases.size).toBe(0);
    failAlias = null;
    await admin(db).store.aliases.update({ id: made.id, peerIds: [alice, bob], groupIds: [] });
    expect([...aliases].sort()).toEqual([
      'team@home.home.arpa alice@home.home.arpa',
      'team@home.home.arpa bob@home.home.arpa',
    ]);
    expect((await admin(db).store.aliases.list({ instanceId: 'mail' }))[0]!.applied).toBe(true);
  });

  it('kept with the data of a removed mail service, accounts and aliases come back as the service has them', async () => {
    const family = await admin(db).groups.create({ name: 'family', services: ['mail'] });
    await peerWithLogin('alice', [family.id]);
    await peerWithLogin('bob', [family.id]);
    await admin(db).store.aliases.create({ instanceId: 'mail', name: 'family', groupIds: [family.id] });
    expect([...mailboxes].sort()).toEqual(['alice@home.home.arpa', 'bob@home.home.arpa']);
    expect(keepAccounts(db, 'mail')).toBe(2);
    db.delete(storeInstances).run();
    // The service's rows go with it; what was kept stays aside.
    expect(db.select().from(serviceAliases).all()).toEqual([]);
    expect(db.select({ name: keptServiceAliases.name }).from(keptServiceAliases).all()).toEqual([{ name: 'family' }]);

    // Installed again on the same data: the service still has both accounts and the alias.
    installedRow(db, 'mail', { hostIndex: 22 });
    expect(takeKeptAccounts(db, 'mail')).toEqual({ accounts: 2, aliases: 1 });
    commands = [];
    await syncAccounts(db);
    expect(commands).toEqual([]);
    expect((await admin(db).store.accounts.list({ instanceId: 'mail' })).map((a) => a.username)).toEqual([
      'alice',
      'bob',
    ]);
    expect(await admin(db).store.aliases.list({ instanceId: 'mail' })).toMatchObject([
      { name: 'family', recipients: ['alice@home.home.arpa', 'bob@home.home.arpa'], applied: true },
    ]);
    expect(db.select().from(keptServiceAliases).all()).toEqual([]);
  });

  it('a removal that failed puts back the accounts and aliases as they were before it', async () => {
    const family = await admin(db).groups.create({ name: 'family', services: ['mail'] });
    await peerWithLogin('alice', [family.id]);
    await admin(db).store.aliases.create({ instanceId: 'mail', name: 'family', groupIds: [family.id] });
    const before = {
      accounts: db.select().from(serviceAccounts).all(),
      aliases: db.select().from(serviceAliases).all(),
    };
    keepAccounts(db, 'mail');
    // What the removal's passes may have left: the account on its way out, the alias gone.
    db.update(serviceAccounts).set({ removing: true, peerId: null }).run();
    db.delete(serviceAliases).run();
    putBackAccounts(db, 'mail');
    const strip = <T extends { id: number }>(rows: T[]) => rows.map(({ id: _id, ...r }) => r);
    expect(strip(db.select().from(serviceAccounts).all())).toEqual(strip(before.accounts));
    expect(strip(db.select().from(serviceAliases).all())).toEqual(strip(before.aliases));
    expect(db.select().from(keptServiceAliases).all()).toEqual([]);
  });

  it('an account the service has already (its data kept from before) is given a password, not made again', async () => {
    mailboxes.add('alice@home.home.arpa');
    const family = await admin(db).groups.create({ name: 'family', services: ['mail'] });
    const alice = await peerWithLogin('alice', [family.id]);
    const made = commands.filter((c) => c[1] === 'email').map((c) => c.slice(0, 4).join(' '));
    expect(made).toEqual(['setup email add alice@home.home.arpa', 'setup email update alice@home.home.arpa']);
    expect(await syncAccounts(db)).toMatchObject({ state: 'applied', instances: [{ id: 'mail', accounts: 1 }] });
    // A reset shows a password the service now has.
    commands = [];
    const reset = await admin(db).store.accounts.resetPassword({ instanceId: 'mail', peerId: alice });
    expect(commands).toEqual([['setup', 'email', 'update', 'alice@home.home.arpa', reset.password]]);
  });
});
