/**
 * The Services page on cell I: Radicale and an Apache WebDAV server (built from Debian's
 * packages) offered by a signed index, their images signed in a local registry. Installed
 * from the page with its steps shown as they run, removed keeping its data, installed again:
 * the calendar is still there. A peer's portal then lists both with how to connect, hands
 * out the Apple profile, and shows a service password once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { bundledManifests } from '../../src/server/managers/store';
import { debianImages, DEBIAN_IMAGE_TOOLS } from '../helpers/debian-images';
import { ENGINE_TOOLS, startEngine, startRegistry, type TestEngine } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { publishImage, serveIndex } from '../helpers/registry';
import { cellApi, rowAction, signIn } from './cell-api';
import { E2E_STORE } from './e2e-env';

test.describe.configure({ mode: 'serial' });

const ready = requireTools(
  'store page suite',
  [...ENGINE_TOOLS, ...DEBIAN_IMAGE_TOOLS],
  'apt-get install docker.io busybox-static docker-registry mmdebstrap',
);
const KEYS = `${E2E_STORE.dir}-keys`;
const ADDRESS = '172.29.10.20';
let engine: TestEngine | undefined;
let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
let index: Awaited<ReturnType<typeof serveIndex>> | undefined;
let publicDns: ChildProcess | undefined;

test.beforeAll(async ({ request, baseURL }) => {
  test.skip(!ready, 'no container engine tools');
  test.setTimeout(600_000);
  engine = await startEngine(E2E_STORE.dir);
  registry = await startRegistry(E2E_STORE.registryPort);
  const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const built = await debianImages(engine, ['radicale', 'webdav', 'mail']);
  const publish = (local: string, repo: string, tag: string) =>
    publishImage(engine!.docker, registry!.address, local, repo, tag, publisher.privateKey);
  const image = await publish(built.PIC_STORE_RADICALE!, 'pic/radicale', '3.1.8');
  const webdav = await publish(built.PIC_STORE_WEBDAV!, 'pic/webdav', '2.4.57');
  const mailImage = await publish(built.PIC_STORE_MAIL!, 'pic/mail', '14.0.0');
  for (const i of await engine.docker.listImages()) await engine.docker.getImage(i.Id).remove({ force: true });
  index = await serveIndex(E2E_STORE.indexPort);
  const files = bundledManifests().find((m) => m.id === 'files')!;
  const mail = bundledManifests().find((m) => m.id === 'mail')!;
  index.offer([
    // docker-mailserver's commands, served by Postfix and Dovecot built here; on the cell network only.
    {
      ...mail,
      image: mailImage,
      ports: mail.ports.map((p) => ({ ...p, publish: null })),
      healthCheck: { kind: 'tcp', port: 25, intervalSeconds: 1, timeoutSeconds: 2 },
    },
    { ...bundledManifests().find((m) => m.id === 'calendar')!, version: '3.1.8', image },
    {
      ...files,
      version: '2.4.57',
      image: webdav,
      accounts: {
        ...files.accounts!,
        rights: {
          format: 'apache',
          file: 'access.conf',
          shared: { volume: 'data', root: 'data', folder: 'groups' },
          reload: ['apachectl', 'graceful'],
        },
      },
    },
  ]);
  fs.mkdirSync(KEYS, { recursive: true });
  fs.writeFileSync(`${KEYS}/index.pub`, index.pem);
  fs.writeFileSync(`${KEYS}/cosign.pub`, publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // Public DNS as the mail test finds it: some of mail's records there, one with another address.
  publicDns = spawn(
    'dnsmasq',
    [
      '-k',
      '--no-resolv',
      '--no-hosts',
      `--port=${E2E_STORE.publicDnsPort}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--local=/shop.home.arpa/',
      '--mx-host=shop.home.arpa,mail.shop.home.arpa,10',
      '--txt-record=shop.home.arpa,v=spf1 mx -all',
      '--address=/mail.shop.home.arpa/198.51.100.9',
    ],
    { stdio: 'ignore' },
  );
  const r = await cellApi(request, baseURL!).setup({ cellName: 'shop' });
  expect(r.status()).toBe(200);
});

test.afterAll(async () => {
  publicDns?.kill();
  index?.close();
  registry?.stop();
  await engine?.destroy();
  fs.rmSync(KEYS, { recursive: true, force: true });
});

/** Installs a service from the Services page (answering its questions, by label) and waits for its steps to finish. */
async function install(
  page: Page,
  id: string,
  title: string,
  checks: { volumes: string; accounts: string },
  answers: Record<string, string> = {},
) {
  await page.getByRole('link', { name: 'Services', exact: true }).click();
  const card = page.getByTestId(`service-${id}`);
  await card.getByRole('button', { name: 'Install' }).click();
  const dialog = page.getByRole('dialog', { name: `Install ${title}` });
  for (const [label, value] of Object.entries(answers)) await dialog.getByLabel(label).fill(value);
  await dialog.getByRole('button', { name: 'Install' }).click();
  const op = dialog.getByTestId('operation');
  // Every step is listed while it runs, each with its state.
  for (const step of ['validate', 'verify', 'pull', 'volumes', 'container', 'names', 'routes', 'accounts', 'health'])
    await expect(op.getByTestId(`step-${step}`)).toBeVisible();
  await expect(op).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(op.getByTestId('step-verify')).toContainText('signed by environment key 1');
  await expect(op.getByTestId('step-health')).toContainText('healthy');
  await expect(op.getByTestId('step-volumes')).toContainText(checks.volumes);
  await expect(op.getByTestId('step-accounts')).toContainText(checks.accounts);
  await dialog.getByRole('link', { name: `Open ${id}` }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${id}$`));
  await expect(page.getByTestId('container-state')).toContainText('running');
}

const passwords: Record<string, string> = {};

/** CalDAV straight to the container on the cell network, as Alice with the password her portal showed. */
const dav = (method: string, path: string, body?: string) =>
  fetch(`http://${ADDRESS}:5232/alice/family/${path}`, {
    method,
    body,
    headers: {
      authorization: `Basic ${Buffer.from(`alice:${passwords.calendar}`).toString('base64')}`,
      ...(body ? { 'content-type': 'text/calendar' } : {}),
    },
  });

/** Alice's portal, in a browser of her own. */
async function alicePortal(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signIn(page, 'alice', 'alice long password');
  await expect(page).toHaveURL(/\/portal$/);
  return page;
}

/** A new password for one of Alice's services, read off her portal where it is shown once. */
async function newPassword(portal: Page, service: string) {
  await portal.reload();
  const card = portal.getByTestId(`service-${service}`);
  await card.getByRole('button', { name: /Get a password|Reset password/ }).click();
  const shown = card.getByTestId('service-password');
  await expect(shown).toHaveText(/^[A-Za-z0-9]{20}$/);
  passwords[service] = (await shown.textContent())!;
}

test('install Radicale from the Services page, remove it keeping its data, install again: the data is there', async ({
  page,
  request,
  browser,
  baseURL,
}, info) => {
  test.setTimeout(300_000);
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  // Alice has a phone and a portal login, so the calendar makes her an account.
  const api = cellApi(request, baseURL!);
  await api.login('admin', 'correct horse battery');
  const token = await api.csrf();
  const peer = await (
    await api.mutate('peers.create', { name: 'alice-phone', routingPolicy: 'cell' }, { 'x-csrf-token': token })
  ).json();
  const login = await api.mutate(
    'peers.createLogin',
    { peerId: peer.result.data.json.id, username: 'alice', mode: 'password', password: 'alice long password' },
    { 'x-csrf-token': token },
  );
  expect(login.status()).toBe(200);

  await install(page, 'calendar', 'Calendar and contacts', { volumes: '2 made', accounts: '1 account' });
  await expect(page.getByText('calendar.cell', { exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Accounts' })).toContainText('alice');
  await page.screenshot({ path: info.outputPath('service.png'), fullPage: true });

  // Alice gets her password from the portal, and makes a calendar with an event.
  const portal = await alicePortal(browser, baseURL!);
  await newPassword(portal, 'calendar');
  expect((await dav('MKCALENDAR', '')).status).toBe(201);
  const event = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//e2e//EN',
    'BEGIN:VEVENT',
    'UID:e2e-1',
    'DTSTAMP:20261202T120000Z',
    'DTSTART:20261224T180000Z',
    'SUMMARY:Kept across installs',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  expect((await dav('PUT', 'kept.ics', event)).status).toBe(201);

  // Remove, keeping the data volumes (the default).
  await page.getByRole('button', { name: 'Remove', exact: true }).click();
  const remove = page.getByRole('dialog', { name: 'Remove calendar' });
  await expect(remove.getByLabel(/Keep the data volumes/)).toBeChecked();
  await remove.getByRole('button', { name: 'Remove calendar' }).click();
  await expect(page.getByTestId('operation')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(page.getByText('No installed service calendar.')).toBeVisible();
  expect((await engine!.docker.listContainers({ all: true })).map((c) => c.Names[0])).not.toContain(
    '/cell-svc-calendar',
  );

  await install(page, 'calendar', 'Calendar and contacts', {
    volumes: '0 made, 2 kept from before, 1 account as they were',
    accounts: '1 account',
  });
  // The accounts were kept with the data: Alice's phone, with its old password, reads the kept event.
  const back = await dav('GET', 'kept.ics');
  expect(back.status).toBe(200);
  expect(await back.text()).toContain('SUMMARY:Kept across installs');

  // The Logs page sets Radicale's level: its container is made again with Radicale's own option.
  await page.goto('/logs');
  const verbosity = page.getByRole('region', { name: 'Verbosity' });
  const level = verbosity.getByLabel("Calendar and contacts's level");
  await expect(level.locator('option')).toHaveText(['its default', 'debug', 'info', 'warn', 'error']);
  await level.selectOption('debug');
  await expect(verbosity.getByRole('status')).toHaveText(
    'Calendar and contacts logs at debug from its next start: cell-svc-calendar restarts to take it.',
  );
  const command = async () => (await engine!.docker.getContainer('cell-svc-calendar').inspect()).Config.Cmd;
  expect(await command()).toContain('--logging-level=debug');
  await level.selectOption('');
  await expect(verbosity.getByRole('status')).toHaveText('Calendar and contacts logs at its own default again.');
  expect(await command()).not.toContain('--logging-level=debug');
  // Made again, the calendar still answers with what it kept.
  await expect
    .poll(async () => (await dav('GET', 'kept.ics').catch(() => null))?.status, { timeout: 30_000 })
    .toBe(200);
});

test("a group may use calendar and files; its member's portal sets a phone up and shows a password once", async ({
  page,
  browser,
  baseURL,
}, info) => {
  test.setTimeout(300_000);
  await signIn(page, 'admin', 'correct horse battery');
  await install(page, 'files', 'Files (WebDAV)', { volumes: '1 made', accounts: '1 account' });

  // A group whose members may use the web, the calendar and the files; Alice's phone joins it.
  await page.goto('/firewall');
  const form = page.getByRole('form', { name: 'New group' });
  await form.getByLabel('Group name').fill('family');
  await form.getByRole('checkbox', { name: 'calendar' }).check();
  await form.getByRole('checkbox', { name: 'files' }).check();
  await form.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByLabel('family may use calendar')).toBeChecked();
  await expect(page.getByLabel('family may use files')).toBeChecked();
  await page.getByRole('button', { name: 'Keep these rules' }).click();
  await page.goto('/peers');
  await rowAction(page, 'alice-phone', 'Edit');
  await page.getByRole('dialog').getByRole('checkbox', { name: 'family' }).check();
  await page.getByRole('dialog').getByRole('button', { name: 'Save peer' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  const portal = await alicePortal(browser, baseURL!);
  const calendar = portal.getByTestId('service-calendar');
  const files = portal.getByTestId('service-files');
  await expect(calendar).toContainText('calendar.shop.home.arpa');
  await expect(calendar).toContainText('https://calendar.shop.home.arpa/groups/');
  await expect(files).toContainText('https://files.shop.home.arpa/');
  for (const card of [calendar, files]) {
    await expect(card).toContainText('alice');
    await expect(card.getByRole('img', { name: /QR code that adds/ }).locator('svg')).toBeVisible();
  }

  // The Apple profile downloads as a signed profile.
  const [download] = await Promise.all([portal.waitForEvent('download'), portal.getByTestId('apple-profile').click()]);
  expect(download.suggestedFilename()).toBe('shop-alice.mobileconfig');
  const der = fs.readFileSync((await download.path())!);
  // A DER SEQUENCE (PKCS#7 ContentInfo) holding the signed-data OID 1.2.840.113549.1.7.2.
  expect(der[0]).toBe(0x30);
  expect(der.includes(Buffer.from('06092a864886f70d010702', 'hex'))).toBe(true);
  expect(der.toString('latin1')).toContain('com.apple.caldav.account');

  // A files password: shown once, then only when it was set.
  await newPassword(portal, 'files');
  await portal.screenshot({ path: info.outputPath('portal-services.png'), fullPage: true });
  await portal.reload();
  await expect(files.getByTestId('service-password')).toHaveCount(0);
  await expect(files).toContainText('Password last set');
  const put = await fetch(`http://172.29.10.21/alice/hello.txt`, {
    method: 'PUT',
    body: 'hello\n',
    headers: { authorization: `Basic ${Buffer.from(`alice:${passwords.files}`).toString('base64')}` },
  });
  expect(put.status).toBe(201);
});

test('mail: an alias for the family made on its page, and the records mail needs checked against public DNS', async ({
  page,
  request,
  baseURL,
}, info) => {
  test.setTimeout(300_000);
  await signIn(page, 'admin', 'correct horse battery');
  // Alice's group may not use mail yet: no account until it may.
  await install(
    page,
    'mail',
    'Mail',
    { volumes: '3 made', accounts: '0 accounts' },
    {
      'Postmaster address': 'postmaster@shop.home.arpa',
    },
  );
  await page.goto('/firewall');
  // The box shows the tick at once, while the change is applied.
  await page.getByLabel('family may use mail').check();
  await page.getByRole('button', { name: 'Keep these rules' }).click();
  await page.goto('/services/mail');
  await expect(page.getByRole('table', { name: 'Accounts' })).toContainText('alice', { timeout: 30_000 });
  // What the install asked is shown as it asked it.
  await expect(page.locator('dt', { hasText: 'Postmaster address' })).toBeVisible();
  await expect(page.locator('dd', { hasText: 'postmaster@shop.home.arpa' })).toBeVisible();

  const aliases = page.getByRole('region', { name: 'Aliases' });
  const form = aliases.getByRole('form', { name: 'New alias' });
  // An account's own name is not an alias: said by the field.
  await form.getByLabel('Alias').fill('alice');
  await form.getByRole('checkbox', { name: 'Group family' }).check();
  await form.getByRole('button', { name: 'Add alias' }).click();
  await expect(form.getByText('alice is an account on mail')).toBeVisible();
  await form.getByLabel('Alias').fill('family');
  await form.getByRole('button', { name: 'Add alias' }).click();
  const row = aliases.getByTestId('alias-family');
  await expect(row).toContainText('family@shop.home.arpa');
  await expect(row).toContainText('alice@shop.home.arpa');
  await expect(row).toContainText('in place');
  // The mail server was told: its alias map delivers family@ to Alice.
  const map = await engine!.docker
    .getContainer('cell-svc-mail')
    .exec({ Cmd: ['cat', '/tmp/docker-mailserver/postfix-virtual.cf'], AttachStdout: true });
  const out = await new Promise<string>((resolve, reject) =>
    map.start({}, (err, stream) => {
      if (err || !stream) return reject(err);
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString('latin1')));
      stream.on('end', () => resolve(text));
    }),
  );
  expect(out).toContain('family@shop.home.arpa alice@shop.home.arpa');

  // The public side: the cell's public address, then each record checked against public DNS.
  const api = cellApi(request, baseURL!);
  await api.login('admin', 'correct horse battery');
  const set = await api.mutate(
    'dns.updateSettings',
    { publicAddress: '198.51.100.7' },
    { 'x-csrf-token': await api.csrf() },
  );
  expect(set.status()).toBe(200);
  await page.reload();
  const records = page.getByRole('region', { name: 'DNS records' });
  await expect(records.getByTestId('record-MX-shop.home.arpa.')).toContainText('not checked');
  await records.getByRole('button', { name: 'Check public DNS' }).click();
  await expect(records.getByTestId('record-MX-shop.home.arpa.')).toContainText('in public DNS');
  await expect(records.getByTestId('record-A-mail.shop.home.arpa.')).toContainText(
    'different in public DNS: 198.51.100.9',
  );
  await expect(records.getByTestId('record-TXT-_dmarc.shop.home.arpa.')).toContainText('not in public DNS');
  await expect(records.getByTestId('record-TXT-mail._domainkey.shop.home.arpa.')).toContainText('v=DKIM1');
  await page.screenshot({ path: info.outputPath('mail.png'), fullPage: true });
});
