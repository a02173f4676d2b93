import path from 'node:path';
import { expect, it } from 'vitest';
import { routes, routeSettings } from '@/server/db/schema';
import { admin, freshCell, reopenBefore, setUp, UNDO_ROUTES_RENAME, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

it('a cell from before the domain was named routes keeps its routes and proxy settings', async () => {
  const { dir, db: opened } = freshCell();
  let db = opened;
  useBackend(db, recordingBackend().backend);
  await setUp(db);
  await admin(db).routes.create({ host: 'nas.cell', upstream: '192.168.1.60:5000', access: 'peers' });
  await admin(db).domain.update({ domainMode: 'lan', acmeEmail: 'me@example.org' });
  db = reopenBefore(db, path.join(dir, 'cell.db'), '0011_routes', UNDO_ROUTES_RENAME);
  expect(db.select({ host: routes.host, upstream: routes.upstream }).from(routes).all()).toEqual([
    { host: 'nas.cell', upstream: '192.168.1.60:5000' },
  ]);
  expect(db.select({ acmeEmail: routeSettings.acmeEmail }).from(routeSettings).get()).toEqual({
    acmeEmail: 'me@example.org',
  });
  // The unique index came along under its new name: the same host and path are still refused.
  expect(() =>
    db.$client
      .prepare(
        "INSERT INTO routes (host, path, upstream, access, headers, websocket, created_at, updated_at) VALUES ('nas.cell', '', 'x:1', 'peers', '{}', 0, 0, 0)",
      )
      .run(),
  ).toThrow(/UNIQUE/);
});
