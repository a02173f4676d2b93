import { expect, test } from '@playwright/test';
import { CELLS } from '../../playwright.config';
import { cellApi, loginOk } from './cell-api';

const B = `http://localhost:${CELLS.b}`;
const C = `http://localhost:${CELLS.c}`;

test.describe.configure({ mode: 'serial' });

test('before setup every API answers 428 naming /setup, except health, auth and setup', async ({ request }) => {
  const api = cellApi(request, B);
  for (const r of [
    await api.query('settings.get'),
    await api.query('audit.list', {}),
    await request.get(`${B}/api/audit/export.csv`),
    await request.get(`${B}/api/no/such/thing`),
    await api.mutate('account.changePassword', {}),
  ]) {
    expect(r.status(), r.url()).toBe(428);
    expect(await r.json()).toMatchObject({ error: 'setup_required', setup: '/setup' });
  }
  const health = await request.get(`${B}/api/health`);
  expect(health.status()).toBe(200);
  // The public answer says only whether the cell is up and set up.
  expect(await health.json()).toEqual({ status: 'ok', setupComplete: false });
  expect((await request.get(`${B}/api/auth/csrf`)).status()).toBe(200);
  expect((await api.query('setup.status')).status()).toBe(200);
  const page = await request.get(`${B}/dashboard`, { maxRedirects: 0 });
  expect(page.status()).toBe(307);
  expect(page.headers().location).toContain('/setup');
});

test('setup completes once over HTTP, then is closed for good', async ({ request }) => {
  const api = cellApi(request, B);
  expect((await api.setup()).status()).toBe(200);
  const again = await api.setup({ adminUsername: 'mallory', cellName: 'takeover' });
  expect(again.status()).toBe(409);
  const setupPage = await request.get(`${B}/setup`, { maxRedirects: 0 });
  expect(setupPage.headers().location).toContain('/login');
  expect((await request.get(`${B}/api/health`).then((r) => r.json())).setupComplete).toBe(true);
});

test('a mutation without the CSRF token, or from another origin, is refused and changes nothing', async ({
  request,
}) => {
  const api = cellApi(request, B);
  await loginOk(await api.login('admin', 'correct horse battery'));
  const update = { cellName: 'changed', timezone: 'UTC', domainMode: 'lan' };
  const none = await api.mutate('settings.update', update);
  expect(none.status()).toBe(403);
  const wrong = await api.mutate('settings.update', update, { 'x-csrf-token': 'not-the-token' });
  expect(wrong.status()).toBe(403);
  const token = await api.csrf();
  const foreign = await api.mutate('settings.update', update, { 'x-csrf-token': token, origin: 'http://evil.example' });
  expect(foreign.status()).toBe(403);
  const get = await (await api.query('settings.get')).json();
  expect(get.result.data.json.cellName).toBe('home');
  const ok = await api.mutate('settings.update', update, { 'x-csrf-token': token, origin: B });
  expect(ok.status()).toBe(200);
  expect((await (await api.query('settings.get')).json()).result.data.json.cellName).toBe('changed');
});

test('failed logins are rate limited with Retry-After and never tell whether the account exists', async ({
  playwright,
}) => {
  const request = await playwright.request.newContext();
  const api = cellApi(request, B);
  const unknown = await api.login('ghost', 'not a password');
  const known = await api.login('admin', 'not a password');
  expect(unknown.status()).toBe(401);
  expect(known.status()).toBe(401);
  expect(await unknown.json()).toEqual(await known.json());
  expect(new URL(((await known.json()) as { url: string }).url).searchParams.get('error')).toBe('CredentialsSignin');
  for (let i = 0; i < 4; i++) await api.login('ghost', 'not a password');
  const limited = await api.login('ghost', 'not a password');
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()['retry-after'])).toBeGreaterThan(800);
  expect((await limited.json()).error).toBe('rate_limited');
  await request.dispose();
});

test('the audit trail exports as CSV for admins only', async ({ request, playwright }) => {
  const api = cellApi(request, B);
  await loginOk(await api.login('admin', 'correct horse battery'));
  const csv = await request.get(`${B}/api/audit/export.csv`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const lines = (await csv.text()).trim().split('\r\n');
  expect(lines[0]).toBe('id,time,actor,role,procedure,outcome,detail,input,prev_hash,hash');
  const text = lines.join('\n');
  expect(text).toContain('setup,setup,setup.complete,success');
  expect(text).toContain('admin,admin,settings.update,refused,FORBIDDEN: missing CSRF token');
  expect(text).toContain('admin,admin,settings.update,success');
  expect(text).not.toContain('correct horse battery');
  const filtered = await (await request.get(`${B}/api/audit/export.csv?outcome=refused`)).text();
  expect(filtered).not.toContain(',success,');
  const verify = await (await api.query('audit.verify')).json();
  expect(verify.result.data.json.ok).toBe(true);

  const stranger = await playwright.request.newContext();
  expect((await stranger.get(`${B}/api/audit/export.csv`)).status()).toBe(401);
  await stranger.dispose();
});

test('two cells on one host keep separate sessions in one browser', async ({ browser }) => {
  const context = await browser.newContext();
  const b = cellApi(context.request, B);
  const c = cellApi(context.request, C);
  expect((await c.setup({ cellName: 'twin', adminPassword: 'another long password' })).status()).toBe(200);
  await loginOk(await b.login('admin', 'correct horse battery'));
  await loginOk(await c.login('admin', 'another long password'));
  // Cookies ignore ports: without per-instance names the second login would have replaced the first.
  const names = (await context.cookies()).map((k) => k.name).filter((n) => n.endsWith('.session'));
  expect(new Set(names).size).toBe(2);
  expect((await b.query('account.me')).status()).toBe(200);
  expect((await c.query('account.me')).status()).toBe(200);
  expect((await (await b.query('settings.get')).json()).result.data.json.cellName).toBe('changed');
  expect((await (await c.query('settings.get')).json()).result.data.json.cellName).toBe('twin');
  await context.close();
});

test('a client config downloads for the admin and its own peer only', async ({ request, playwright }) => {
  const api = cellApi(request, B);
  await loginOk(await api.login('admin', 'correct horse battery'));
  const token = await api.csrf();
  const created = [];
  for (const name of ['alice-phone', 'bob-laptop']) {
    const r = await api.mutate('peers.create', { name, routingPolicy: 'cell' }, { 'x-csrf-token': token });
    expect(r.status()).toBe(200);
    const peer = (await r.json()).result.data.json;
    // No engine here: the change is stored and says it is pending.
    expect(peer.apply.state).toBe('pending');
    created.push(peer as { id: number; address: string });
  }
  const [alice, bob] = created as [{ id: number; address: string }, { id: number; address: string }];
  const login = await api.mutate(
    'peers.createLogin',
    { peerId: alice.id, username: 'alice', mode: 'password', password: 'alice long password' },
    { 'x-csrf-token': token },
  );
  expect(login.status()).toBe(200);

  const file = await request.get(`${B}/api/peers/${alice.id}/config`);
  expect(file.status()).toBe(200);
  expect(file.headers()['content-disposition']).toBe('attachment; filename="alice-phone.conf"');
  expect(await file.text()).toContain(`Address = ${alice.address}/32`);
  expect((await request.get(`${B}/api/peers/9999/config`)).status()).toBe(404);

  const peerCtx = await playwright.request.newContext();
  const asAlice = cellApi(peerCtx, B);
  expect((await peerCtx.get(`${B}/api/peers/${alice.id}/config`)).status()).toBe(401);
  await loginOk(await asAlice.login('alice', 'alice long password'));
  const own = await peerCtx.get(`${B}/api/peers/${alice.id}/config`);
  expect(own.status()).toBe(200);
  expect(await own.text()).toContain('[Interface]');
  expect((await peerCtx.get(`${B}/api/peers/${bob.id}/config`)).status()).toBe(404);
  expect((await asAlice.query('peers.config', { id: bob.id })).status()).toBe(404);
  expect((await asAlice.query('peers.list', {})).status()).toBe(403);
  await peerCtx.dispose();
});

test('metrics answer only with the bearer token made by an admin; backups are for admins, over CSRF', async ({
  request,
  playwright,
}) => {
  const api = cellApi(request, B);
  await loginOk(await api.login('admin', 'correct horse battery'));
  const token = await api.csrf();
  const stranger = await playwright.request.newContext();
  const off = await stranger.get(`${B}/api/metrics`);
  expect(off.status()).toBe(401);
  expect(off.headers()['www-authenticate']).toBe('Bearer realm="cell metrics"');
  expect(await off.text()).toBe('Metrics are off: make a token in Settings\n');

  const made = await api.mutate('metrics.createToken', undefined, { 'x-csrf-token': token });
  expect(made.status()).toBe(200);
  const bearer = ((await made.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
  const scraped = await stranger.get(`${B}/api/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(scraped.status()).toBe(200);
  expect(scraped.headers()['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(await scraped.text()).toMatch(/^pic_peers\{state="enabled"\} 2$/m);
  const wrong = await stranger.get(`${B}/api/metrics`, {
    headers: { authorization: `Bearer ${bearer.slice(0, -1)}x` },
  });
  expect(wrong.status()).toBe(401);
  expect(await wrong.text()).toBe('That token is not the one made in Settings\n');
  // The session cookie is not a way in: only the token is.
  expect((await request.get(`${B}/api/metrics`)).status()).toBe(401);

  // A peer makes no token, no backup, and downloads or uploads none.
  const peerCtx = await playwright.request.newContext();
  const asAlice = cellApi(peerCtx, B);
  await loginOk(await asAlice.login('alice', 'alice long password'));
  const peerCsrf = { 'x-csrf-token': await asAlice.csrf() };
  expect((await asAlice.mutate('metrics.createToken', undefined, peerCsrf)).status()).toBe(403);
  expect((await asAlice.mutate('backup.create', { passphrase: 'a long passphrase' }, peerCsrf)).status()).toBe(403);
  const metadata = { kind: 'webdav', url: 'https://169.254.169.254/latest/', username: 'x', password: 'y' };
  expect((await asAlice.mutate('backup.testOffsite', metadata, peerCsrf)).status()).toBe(403);
  const upload = (ctx: typeof request, headers: Record<string, string>) =>
    ctx.post(`${B}/api/backups/upload`, { data: Buffer.from('age-encryption.org/v1\n-> scrypt x 10\n'), headers });
  expect((await upload(peerCtx, { ...peerCsrf, origin: B })).status()).toBe(403);
  expect((await upload(stranger, { origin: B })).status()).toBe(401);
  expect((await peerCtx.get(`${B}/api/backups/00000000-0000-4000-8000-000000000000`)).status()).toBe(403);
  expect((await stranger.get(`${B}/api/backups/00000000-0000-4000-8000-000000000000`)).status()).toBe(401);

  // The admin: without the CSRF token refused; something that is not an age file refused by name.
  expect((await upload(request, { origin: B })).status()).toBe(403);
  const notAge = await request.post(`${B}/api/backups/upload`, {
    data: Buffer.from('PK\u0003\u0004 a zip file, not an archive of the cell'),
    headers: { 'x-csrf-token': token, origin: B },
  });
  expect(notAge.status()).toBe(400);
  expect(await notAge.json()).toEqual({ error: 'bad_request', message: 'This is not an age-encrypted archive' });
  expect((await request.get(`${B}/api/backups/00000000-0000-4000-8000-000000000000`)).status()).toBe(404);
  expect((await request.get(`${B}/api/backups/not-an-id`)).status()).toBe(400);

  // An off-site target is never a way into the cell's own side: metadata, loopback, its networks.
  const csrf = { 'x-csrf-token': token };
  const tried = async (input: object) => {
    const r = await api.mutate('backup.testOffsite', input, csrf);
    expect(r.status()).toBe(200);
    return ((await r.json()) as { result: { data: { json: { ok: boolean; error: string } } } }).result.data.json;
  };
  expect(await tried(metadata)).toMatchObject({ ok: false, error: expect.stringContaining('link-local') });
  const ssh = { kind: 'sftp', host: 'localhost', port: 22, username: 'root', path: 'b' };
  expect(await tried(ssh)).toMatchObject({ ok: false, error: expect.stringContaining('does not call it') });
  const saved = await api.mutate('backup.updateOffsite', { ...metadata, url: 'http://127.0.0.1:9/x/' }, csrf);
  expect(saved.status()).toBe(400);
  expect(await saved.text()).toContain('https://');
  // Fetching an archive back: a peer may not; a name with a folder is refused before any call.
  expect((await asAlice.mutate('backup.fetchOffsite', { name: 'cell.age' }, peerCsrf)).status()).toBe(403);
  const climb = await api.mutate('backup.fetchOffsite', { name: '../../secrets/cell.age' }, csrf);
  expect(climb.status()).toBe(400);
  expect(await climb.text()).toContain('An archive name ending in .age, without a folder');
  const nowhere = await api.mutate('backup.fetchOffsite', { name: 'cell.age' }, csrf);
  expect(nowhere.status()).toBe(412);
  expect(await nowhere.text()).toContain('Set an off-site target first');
  await peerCtx.dispose();
  await stranger.dispose();
});
