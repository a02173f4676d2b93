/**
 * Attacks over plain HTTP against a built server (cell F), where an attacker stands: the
 * Next.js route layer is what is tested here, not only the routers behind createCaller.
 */
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { logLines } from '../helpers/logs';
import { CELLS } from '../../playwright.config';
import { cellApi, loginOk } from './cell-api';

const F = `http://localhost:${CELLS.f}`;
const LOGS = path.resolve('.e2e/f/logs');
const PASSWORD = 'correct horse battery';

test.describe.configure({ mode: 'serial' });

const scryptRuns = () => logLines(LOGS).filter((l) => l.includes('"scrypt run"')).length;

async function signedIn(request: APIRequestContext) {
  const api = cellApi(request, F);
  await loginOk(await api.login('admin', PASSWORD));
  return { api, token: await api.csrf() };
}

async function cellName(request: APIRequestContext) {
  return (await (await cellApi(request, F).query('settings.get')).json()).result.data.json.cellName as string;
}

/** A peer with a portal password, for the lock-out and disabled-peer attacks. */
async function peerWithLogin(request: APIRequestContext, name: string, username: string) {
  const { api, token } = await signedIn(request);
  const peer = await (
    await api.mutate('peers.create', { name, routingPolicy: 'cell' }, { 'x-csrf-token': token })
  ).json();
  const id = peer.result.data.json.id as number;
  const login = await api.mutate(
    'peers.createLogin',
    { peerId: id, username, mode: 'password', password: 'peer password 1' },
    { 'x-csrf-token': token },
  );
  expect(login.status()).toBe(200);
  return id;
}

// abuse-matrix.spec.ts runs first and sets the cell up.
test('the JSON login is counted like the form: after five failures even the right password gets 429 and no session', async ({
  playwright,
  request,
}) => {
  await peerWithLogin(request, 'victim-phone', 'victim');
  const attacker = await playwright.request.newContext();
  const { csrfToken } = await (await attacker.get(`${F}/api/auth/csrf`)).json();
  const json = (password: string) =>
    attacker.post(`${F}/api/auth/callback/credentials`, {
      data: { username: 'victim', password, csrfToken, json: 'true' },
      headers: { 'content-type': 'application/json' },
    });
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await json(`wrong guess ${i}`)).status());
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  const right = await json('peer password 1');
  expect(right.status()).toBe(429);
  expect(Number(right.headers()['retry-after'])).toBeGreaterThan(800);
  expect((await attacker.get(`${F}/api/trpc/account.me`)).status()).toBe(401);
  await attacker.dispose();
});

test('twenty concurrent wrong guesses count at most five tries before 429', async ({ playwright, request }) => {
  await peerWithLogin(request, 'target-phone', 'target');
  const attacker = await playwright.request.newContext();
  const { csrfToken } = await (await attacker.get(`${F}/api/auth/csrf`)).json();
  const before = scryptRuns();
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      attacker.post(`${F}/api/auth/callback/credentials`, {
        form: { username: 'target', password: `guess ${i}`, csrfToken, json: 'true' },
      }),
    ),
  );
  const codes = answers.map((r) => r.status());
  expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
  expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(15);
  // Only the counted tries ever reached the password hash.
  expect(scryptRuns() - before).toBeLessThanOrEqual(5);
  await attacker.dispose();
});

test('CSRF cannot be skipped by any spelling of the batch path', async ({ request }) => {
  const { token } = await signedIn(request);
  const body = {
    0: { json: { cellName: 'pwned', timezone: 'UTC', domainMode: 'lan' } },
    1: { json: { cellName: 'pwned', timezone: 'UTC', domainMode: 'lan' } },
  };
  const tricks = [
    'setup.complete%2Csettings.update?batch=1',
    'setup.complete%2csettings.update?batch=1',
    'setup.complete,settings.update?batch=1',
    '%73etup.complete%2Csettings.update?batch=1',
    'setup.complete%252Csettings.update?batch=1',
    'settings.update/?batch=1',
    'setup.complete%2C%20settings.update?batch=1',
    'setup.complete%2Csettings.update%2Csetup.complete?batch=1',
    'setup.%2E%2E%2Fsettings.update',
    'settings.update%00',
  ];
  for (const trick of tricks) {
    const r = await request.post(`${F}/api/trpc/${trick}`, {
      data: body,
      headers: { 'content-type': 'application/json', origin: F },
    });
    expect([400, 403], trick).toContain(r.status());
  }
  // A path that is not even valid percent-encoding never reaches a procedure (Next refuses it first).
  const broken = await request.post(`${F}/api/trpc/settings.update%`, {
    data: body,
    headers: { 'content-type': 'application/json', origin: F },
  });
  expect(broken.ok()).toBe(false);
  // With the token but without any sign of our origin, or from another site: refused too.
  const update = { cellName: 'pwned', timezone: 'UTC', domainMode: 'lan' };
  const noOrigin = await request.post(`${F}/api/trpc/settings.update`, {
    data: { json: update },
    headers: { 'content-type': 'application/json', 'x-csrf-token': token },
  });
  expect(noOrigin.status()).toBe(403);
  const crossSite = await request.post(`${F}/api/trpc/settings.update`, {
    data: { json: update },
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, 'sec-fetch-site': 'cross-site' },
  });
  expect(crossSite.status()).toBe(403);
  expect(await cellName(request)).toBe('abuse');
  // A browser's same-origin fetch without Origin passes.
  const same = await request.post(`${F}/api/trpc/settings.update`, {
    data: { json: { ...update, cellName: 'abuse' } },
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, 'sec-fetch-site': 'same-origin' },
  });
  expect(same.status()).toBe(200);
});

test('a 2 MB body is refused with 413, and a 500-name batch runs nothing and leaves one audit row', async ({
  request,
}) => {
  const { api, token } = await signedIn(request);
  const big = await request.post(`${F}/api/trpc/dns.createRecord`, {
    data: { json: { zone: 'cell', name: 'big', type: 'TXT', value: 'x'.repeat(2 * 1024 * 1024), ttl: 300 } },
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, origin: F },
  });
  expect(big.status()).toBe(413);
  const names = Array.from({ length: 500 }, () => 'peers.create').join(',');
  const inputs = Object.fromEntries(
    Array.from({ length: 500 }, (_, i) => [i, { json: { name: `flood-${i}`, routingPolicy: 'cell' } }]),
  );
  const batch = await request.post(`${F}/api/trpc/${names}?batch=1`, {
    data: inputs,
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, origin: F },
  });
  expect(batch.status()).toBe(400);
  const rows = (await (await api.query('audit.list', { procedure: 'batch(500)' })).json()).result.data.json;
  expect(rows.total).toBe(1);
  const peers = (await (await api.query('peers.list', { search: 'flood' })).json()).result.data.json;
  expect(peers.total).toBe(0);
});

test('after sign-out the old session cookie is refused', async ({ playwright }) => {
  const ctx = await playwright.request.newContext();
  const api = cellApi(ctx, F);
  await loginOk(await api.login('admin', PASSWORD));
  const state = await ctx.storageState();
  expect((await api.query('account.me')).status()).toBe(200);
  const { csrfToken } = await (await ctx.get(`${F}/api/auth/csrf`)).json();
  await ctx.post(`${F}/api/auth/signout`, { form: { csrfToken, json: 'true' } });
  await ctx.dispose();
  const replay = await playwright.request.newContext({ storageState: state });
  expect((await cellApi(replay, F).query('account.me')).status()).toBe(401);
  await replay.dispose();
});

test('a disabled peer cannot download its config', async ({ playwright, request }) => {
  const id = await peerWithLogin(request, 'lent-laptop', 'lent');
  const peer = await playwright.request.newContext();
  await loginOk(await cellApi(peer, F).login('lent', 'peer password 1'));
  expect((await peer.get(`${F}/api/peers/${id}/config`)).status()).toBe(200);
  const { api, token } = await signedIn(request);
  expect((await api.mutate('peers.setEnabled', { id, enabled: false }, { 'x-csrf-token': token })).status()).toBe(200);
  // The old session is void; signing in again does not bring the config back.
  expect((await peer.get(`${F}/api/peers/${id}/config`)).status()).toBe(401);
  await loginOk(await cellApi(peer, F).login('lent', 'peer password 1'));
  expect((await peer.get(`${F}/api/peers/${id}/config`)).status()).toBe(403);
  expect((await cellApi(peer, F).query('peers.qr', { id })).status()).toBe(403);
  await peer.dispose();
});

test('a hundred wrong link tokens are rate limited and never reach scrypt', async ({ playwright }) => {
  const attacker = await playwright.request.newContext();
  const api = cellApi(attacker, F);
  const token = await api.csrf();
  const before = scryptRuns();
  expect(before, 'the debug log counts every password hash').toBeGreaterThan(0);
  const codes: number[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await api.mutate(
      'account.claimLink',
      { token: `guess-${i}-${'x'.repeat(24)}`, password: 'chosen password 1', confirmPassword: 'chosen password 1' },
      { 'x-csrf-token': token },
    );
    codes.push(r.status());
  }
  expect(codes.slice(0, 10).every((c) => c === 400)).toBe(true);
  expect(codes.slice(10).every((c) => c === 429)).toBe(true);
  expect(scryptRuns() - before).toBe(0);
  await attacker.dispose();
});

test('public health says only up and set up; the admin sees the engine', async ({ request, playwright }) => {
  const anon = await playwright.request.newContext();
  expect(await (await anon.get(`${F}/api/health`)).json()).toEqual({ status: 'ok', setupComplete: true });
  await anon.dispose();
  await signedIn(request);
  const full = await (await request.get(`${F}/api/health`)).json();
  expect(full.engine.socket).toContain('/nonexistent/');
});

test('after setup the pic.ngo name check is closed', async ({ request }) => {
  const r = await cellApi(request, F).query('domain.checkName', { name: 'anything' });
  expect(r.status()).toBe(409);
});

test('a spoofed X-Forwarded-For does not buy more guesses: the address limit holds', async ({ playwright }) => {
  const attacker = await playwright.request.newContext();
  const { csrfToken } = await (await attacker.get(`${F}/api/auth/csrf`)).json();
  const codes: number[] = [];
  for (let i = 0; i < 24; i++) {
    const r = await attacker.post(`${F}/api/auth/callback/credentials`, {
      form: { username: `nobody-${i}`, password: 'not a password', csrfToken, json: 'true' },
      headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
    });
    codes.push(r.status());
  }
  // Earlier tests used some of this address's twenty; from here on, every name is refused.
  expect(codes.slice(-4)).toEqual([429, 429, 429, 429]);
  await attacker.dispose();
});
