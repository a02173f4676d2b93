import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { LOGIN_LIMITS, recordLoginFailure } from '@/server/managers/accounts/rate-limit';
import { sessionEpoch, sessionUser, verifyLogin } from '@/server/managers/accounts';
import { claimLoginLink, linkStatus } from '@/server/managers/peers';
import { interfaceDrift, isOnline, parseDump } from '@/server/managers/wireguard/status';
import { admin, anon, callerAs, expectCode, freshCell, setUp, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
let peerId: number;

beforeEach(async () => {
  ({ db } = freshCell());
  useBackend(db, recordingBackend().backend);
  await setUp(db);
  peerId = (await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' })).id;
});

const tokenOf = (link: string | null) => link!.replace('/welcome/', '');

describe('portal logins', () => {
  it('with an initial password, the peer can sign in', async () => {
    const login = await admin(db).peers.createLogin({
      peerId,
      username: 'alice',
      mode: 'password',
      password: 'first password 1',
    });
    expect([login.username, login.link]).toEqual(['alice', null]);
    expect(await verifyLogin(db, 'alice', 'first password 1')).toMatchObject({ role: 'peer', username: 'alice' });
    expect((await admin(db).peers.byId({ id: peerId })).login).toBe('alice');
  });

  it('a one-time link sets the password once, then is spent', async () => {
    const login = await admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'link' });
    const token = tokenOf(login.link);
    expect(linkStatus(db, token)).toEqual({ valid: true, username: 'alice' });
    expect(await verifyLogin(db, 'alice', 'chosen password 1')).toBeNull();
    await anon(db).account.claimLink({ token, password: 'chosen password 1', confirmPassword: 'chosen password 1' });
    expect(await verifyLogin(db, 'alice', 'chosen password 1')).not.toBeNull();
    expect(linkStatus(db, token).valid).toBe(false);
    const again = await expectCode(
      anon(db).account.claimLink({ token, password: 'other password 12', confirmPassword: 'other password 12' }),
      'BAD_REQUEST',
    );
    expect(again.message).toMatch(/expired or was already used/);
    expect(await verifyLogin(db, 'alice', 'other password 12')).toBeNull();
  });

  it('a link is void after 24 hours, and a new one voids the old', async () => {
    const first = await admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'link' });
    expect(linkStatus(db, tokenOf(first.link), new Date(Date.now() + 24 * 3600_000 + 1000)).valid).toBe(false);
    await expect(
      claimLoginLink(db, tokenOf(first.link), 'late password 12', '10.0.0.9', new Date(Date.now() + 25 * 3600_000)),
    ).rejects.toThrow(/expired/);
    const second = await admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'link' });
    expect(linkStatus(db, tokenOf(first.link)).valid).toBe(false);
    expect(linkStatus(db, tokenOf(second.link)).valid).toBe(true);
  });

  it('refuses a taken username and a second login name for the same peer', async () => {
    await admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'link' });
    const other = (await admin(db).peers.create({ name: 'tablet', routingPolicy: 'cell' })).id;
    expect(
      (await expectCode(admin(db).peers.createLogin({ peerId: other, username: 'admin', mode: 'link' }), 'CONFLICT'))
        .message,
    ).toBe('The username admin is taken');
    expect(
      (await expectCode(admin(db).peers.createLogin({ peerId, username: 'bob', mode: 'link' }), 'CONFLICT')).message,
    ).toMatch(/already has the portal login alice/);
    expect(
      (await expectCode(admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'password' }), 'BAD_REQUEST'))
        .message,
    ).toMatch(/^password: /);
  });
});

describe('locked out and disabled peers', () => {
  it('a wrong link token is refused before any hashing and limited per address', async () => {
    const tries = Array.from({ length: 12 }, () =>
      anon(db)
        .account.claimLink({
          token: 'x'.repeat(32),
          password: 'guessed password 1',
          confirmPassword: 'guessed password 1',
        })
        .catch((e: { code: string }) => e.code),
    );
    const codes = await Promise.all(tries);
    expect(codes.filter((c) => c === 'BAD_REQUEST')).toHaveLength(LOGIN_LIMITS.claim);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(12 - LOGIN_LIMITS.claim);
  });

  it('a locked account cannot be claimed through a link either', async () => {
    const login = await admin(db).peers.createLogin({ peerId, username: 'alice', mode: 'link' });
    for (let i = 0; i < LOGIN_LIMITS.account; i++) recordLoginFailure(db, 'alice', '198.51.100.1');
    const locked = await expectCode(
      anon(db).account.claimLink({
        token: tokenOf(login.link),
        password: 'chosen password 1',
        confirmPassword: 'chosen password 1',
      }),
      'TOO_MANY_REQUESTS',
    );
    expect(locked.message).toMatch(/locked/);
    expect(linkStatus(db, tokenOf(login.link)).valid).toBe(true);
  });

  it('disabling a peer ends its portal sessions and keeps its config from it', async () => {
    const login = await admin(db).peers.createLogin({
      peerId,
      username: 'alice',
      mode: 'password',
      password: 'first password 1',
    });
    const epoch = sessionEpoch(db, login.userId);
    const peer = callerAs(db, { id: login.userId, username: 'alice', role: 'peer' });
    expect(await peer.peers.config({ id: peerId })).toContain('[Interface]');
    await admin(db).peers.setEnabled({ id: peerId, enabled: false });
    expect(sessionUser(db, login.userId, epoch)).toBeNull();
    expect((await expectCode(peer.peers.config({ id: peerId }), 'FORBIDDEN')).message).toMatch(/disabled/);
    expect((await expectCode(peer.peers.qr({ id: peerId }), 'FORBIDDEN')).message).toMatch(/disabled/);
    expect(await admin(db).peers.config({ id: peerId })).toContain('[Interface]');
  });
});

describe('live status', () => {
  it('parses wg show dump and counts a recent handshake as online', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const t = Math.floor(now.getTime() / 1000);
    const dump = [
      'cHJpdg==\tSERVERPUB=\t51820\toff',
      `PEER1=\tPSK=\t192.168.7.2:41000\t10.0.0.2/32\t${t - 60}\t1024\t2048\t25`,
      `PEER2=\t(none)\t(none)\t10.0.0.3/32\t0\t0\t0\toff`,
      `PEER3=\t(none)\t192.168.7.9:5000\t10.0.0.4/32\t${t - 181}\t5\t6\toff`,
    ].join('\n');
    const live = parseDump(dump);
    expect([live.publicKey, live.listenPort, live.peers.size]).toEqual(['SERVERPUB=', 51820, 3]);
    expect(live.peers.get('PEER1=')).toEqual({
      endpoint: '192.168.7.2:41000',
      allowedIps: ['10.0.0.2/32'],
      latestHandshake: new Date((t - 60) * 1000),
      rxBytes: 1024,
      txBytes: 2048,
    });
    expect(live.peers.get('PEER2=')).toEqual({
      endpoint: null,
      allowedIps: ['10.0.0.3/32'],
      latestHandshake: null,
      rxBytes: 0,
      txBytes: 0,
    });
    expect(['PEER1=', 'PEER2=', 'PEER3='].map((k) => isOnline(live.peers.get(k), now))).toEqual([true, false, false]);
  });
});

describe('interface drift', () => {
  const want = {
    publicKey: 'SERVERPUB=',
    listenPort: 51820,
    peers: [
      { publicKey: 'PEER1=', allowedIps: ['10.0.0.2/32', 'fd00:0:0:0::2/128'] },
      { publicKey: 'PEER2=', allowedIps: ['10.0.0.3/32'] },
    ],
  };
  const dump = (head: string, ...peers: string[]) => parseDump([head, ...peers].join('\n'));
  const peer = (key: string, ips: string) => `${key}\t(none)\t(none)\t${ips}\t0\t0\t0\toff`;

  it('is none when the interface holds exactly the key, port, peers and allowed IPs (in any spelling)', () => {
    const live = dump(
      'priv\tSERVERPUB=\t51820\toff',
      peer('PEER1=', 'fd00::2/128,10.0.0.2/32'),
      peer('PEER2=', '10.0.0.3/32'),
    );
    expect(interfaceDrift(want, live)).toBeNull();
  });

  it('names what differs: a recreated empty interface, a port, a lost, extra or moved peer', () => {
    expect(interfaceDrift(want, dump('priv\tOTHERKEY=\t51820\toff'))).toMatch(/another key/);
    expect(interfaceDrift(want, dump('priv\tSERVERPUB=\t51821\toff'))).toMatch(/listens on 51821, not 51820/);
    expect(interfaceDrift(want, dump('priv\tSERVERPUB=\t51820\toff', peer('PEER1=', '10.0.0.2/32,fd00::2/128')))).toBe(
      '1 of 2 peers are missing from the interface',
    );
    const all = [peer('PEER1=', '10.0.0.2/32,fd00::2/128'), peer('PEER2=', '10.0.0.3/32')];
    expect(interfaceDrift(want, dump('priv\tSERVERPUB=\t51820\toff', ...all, peer('STRAY=', '10.0.0.9/32')))).toMatch(
      /1 peers the cell does not have/,
    );
    expect(interfaceDrift(want, dump('priv\tSERVERPUB=\t51820\toff', all[0]!, peer('PEER2=', '10.0.0.0/24')))).toMatch(
      /other allowed IPs/,
    );
  });
});
