import { beforeEach, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { admin, callerAs, expectCode, freshCell, setUp, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
beforeEach(async () => {
  db = freshCell().db;
  useBackend(db, recordingBackend().backend);
  await setUp(db);
});

it("lists what a peer can use, with how, and never a route's upstream", async () => {
  await admin(db).routes.create({ host: 'files.home.home.arpa', upstream: '172.20.0.99:8080', access: 'peers' });
  await admin(db).routes.create({ host: 'blog.home.home.arpa', path: '/news', upstream: 'blog:80', access: 'public' });
  const peer = await admin(db).peers.create({ name: 'mine', routingPolicy: 'cell' });
  const login = await admin(db).peers.createLogin({
    peerId: peer.id,
    username: 'me',
    mode: 'password',
    password: 'my own long password',
  });
  const overview = await callerAs(db, { id: login.userId, username: 'me', role: 'peer' }).portal.overview();
  expect(overview.services).toEqual([
    { name: 'This portal', url: 'https://home.home.arpa', how: 'Open in a browser while connected.' },
    {
      name: 'blog.home.home.arpa/news',
      url: 'https://blog.home.home.arpa/news',
      how: 'Open in a browser, from anywhere.',
    },
    { name: 'files.home.home.arpa', url: 'https://files.home.home.arpa', how: 'Open in a browser while connected.' },
    expect.objectContaining({ name: 'Names under .cell and home.home.arpa', url: null }),
    expect.objectContaining({ name: 'ntp.cell', url: null }),
  ]);
  expect(overview.root?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  expect(JSON.stringify(overview)).not.toContain('172.20.0.99');
  expect(JSON.stringify(overview)).not.toContain('blog:80');
});

it("shows the admin what a peer's portal lists, and no one else", async () => {
  const peer = await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
  const services = await admin(db).portal.servicesOf({ id: peer.id });
  expect(services.map((s) => s.name)).toEqual(['This portal', 'Names under .cell and home.home.arpa', 'ntp.cell']);
  await expectCode(admin(db).portal.servicesOf({ id: 999 }), 'NOT_FOUND');
  await expectCode(
    callerAs(db, { id: 5, username: 'p', role: 'peer' }).portal.servicesOf({ id: peer.id }),
    'FORBIDDEN',
  );
});
