/**
 * The permission matrix again, over HTTP against the built server: every procedure of the
 * app router, with no session and with a peer's, through the route layer's own gates.
 * (Admin passes are covered through createCaller; here admins only read.)
 */
import { expect, test } from '@playwright/test';
import { CELLS } from '../../playwright.config';
import { appRouter } from '../../src/server/routers/_app';
import type { Access } from '../../src/server/trpc';
import { cellApi, loginOk } from './cell-api';

const F = `http://localhost:${CELLS.f}`;

interface Proc {
  _def: { meta?: { access: Access }; type: 'query' | 'mutation' | 'subscription' };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>).map(([path, p]) => ({
  path,
  access: p._def.meta!.access,
  type: p._def.type,
}));

const expected: Record<Access, Record<'none' | 'peer', number | 'passes'>> = {
  public: { none: 'passes', peer: 'passes' },
  setup: { none: 409, peer: 409 },
  authed: { none: 401, peer: 'passes' },
  admin: { none: 401, peer: 403 },
  peer: { none: 401, peer: 'passes' },
};

test('every procedure answers over HTTP as its builder says', async ({ playwright }) => {
  test.setTimeout(180_000);
  const admin = await playwright.request.newContext();
  const adminApi = cellApi(admin, F);
  await adminApi.setup({ cellName: 'abuse' });
  await loginOk(await adminApi.login('admin', 'correct horse battery'));
  const token = await adminApi.csrf();
  const peerId = (
    await (
      await adminApi.mutate('peers.create', { name: 'matrix-phone', routingPolicy: 'cell' }, { 'x-csrf-token': token })
    ).json()
  ).result.data.json.id;
  await adminApi.mutate(
    'peers.createLogin',
    { peerId, username: 'matrix', mode: 'password', password: 'matrix password 1' },
    { 'x-csrf-token': token },
  );

  const none = await playwright.request.newContext();
  const peer = await playwright.request.newContext();
  await loginOk(await cellApi(peer, F).login('matrix', 'matrix password 1'));
  const callers = { none: cellApi(none, F), peer: cellApi(peer, F) };
  const tokens = { none: await callers.none.csrf(), peer: await callers.peer.csrf() };

  expect(procedures.length).toBeGreaterThan(50);
  for (const { path, access, type } of procedures) {
    for (const who of ['none', 'peer'] as const) {
      const want = expected[access][who];
      if (type === 'subscription') {
        // A subscription answers as an event stream: a refused one carries its error and ends.
        if (want === 'passes') continue;
        const r = await callers[who].query(path);
        expect(await r.text(), `${path} as ${who}`).toContain(want === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
        continue;
      }
      const r =
        type === 'query'
          ? await callers[who].query(path)
          : await callers[who].mutate(path, undefined, { 'x-csrf-token': tokens[who] });
      if (want === 'passes') expect([401, 403, 409], `${path} as ${who}: ${r.status()}`).not.toContain(r.status());
      else expect(r.status(), `${path} as ${who}`).toBe(want);
    }
    if (type === 'query' && access === 'admin') {
      // Admins only read here.
      const r = await adminApi.query(path);
      expect([401, 403], `${path} as admin`).not.toContain(r.status());
    }
  }
  for (const c of [admin, none, peer]) await c.dispose();
});
