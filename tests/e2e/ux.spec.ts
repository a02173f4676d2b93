import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery';
const PHONE = { width: 390, height: 844 };
const ADMIN_PAGES = [
  '/dashboard',
  '/peers',
  '/wireguard',
  '/network',
  '/routes',
  '/containers',
  '/vault',
  '/activity',
  '/settings',
  '/account',
];
const AXE = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');

let peerId = 0;

test.beforeAll(async ({ request, baseURL }) => {
  const api = cellApi(request, baseURL!);
  expect((await api.setup({ cellName: 'ux' })).status()).toBe(200);
});

async function admin(page: Page) {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
}

async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

/** Serious and critical findings of axe-core on the page as it is now. */
async function axeViolations(page: Page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<{ violations: Violation[] }> } }).axe;
    type Violation = { id: string; impact: string | null; nodes: { target: string[] }[] };
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

test('signing in from a deep link returns to it; a link to another site is ignored', async ({ page }) => {
  await page.goto('/vault');
  await expect(page).toHaveURL(/\/login\?next=%2Fvault$/);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/vault$/);

  await page.context().clearCookies();
  await page.goto('/login?next=//evil.example/x');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('keyboard only: create a peer, read its QR, close, and land back on New peer', async ({ page }) => {
  await admin(page);
  await page.goto('/peers');
  const opener = page.getByRole('button', { name: 'New peer' });
  for (let i = 0; i < 40 && !(await opener.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(opener).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'New peer' });
  await expect(dialog).toBeVisible();
  // Focus stays inside the dialog however far Tab goes.
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  }
  await dialog.getByLabel('Name').focus();
  await page.keyboard.type('kb-phone');
  await page.keyboard.press('Enter');
  const ready = page.getByRole('dialog', { name: 'kb-phone is ready' });
  await expect(ready.getByRole('img', { name: 'QR code of the config of kb-phone' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(ready).toHaveCount(0);
  await expect(opener).toBeFocused();
  const href = await page.getByRole('link', { name: 'kb-phone' }).getAttribute('href');
  peerId = Number(/\/peers\/(\d+)$/.exec(href!)![1]);
});

test('a custom-routed peer routes the DNS address its config names', async ({ page }) => {
  await admin(page);
  await page.goto('/peers');
  await page.getByRole('button', { name: 'New peer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New peer' });
  await dialog.getByLabel('Name').fill('custom-net');
  await dialog.getByText('Custom', { exact: true }).click();
  await expect(dialog.getByText("The cell's DNS address is always routed too")).toBeVisible();
  // Every bad network is named with its line, in the browser, before anything is sent.
  await dialog.getByLabel('Networks through the cell (one per line)').fill('192.168.1.0/24\nnot-a-net\n10.10.0.0/99');
  await dialog.getByRole('button', { name: 'Create peer' }).click();
  await expect(dialog.getByText(/^Line 2: /)).toBeVisible();
  await expect(dialog.getByText(/^Line 3: /)).toBeVisible();
  await dialog.getByLabel('Networks through the cell (one per line)').fill('192.168.1.0/24\n10.10.0.0/16');
  await dialog.getByRole('button', { name: 'Create peer' }).click();
  await expect(dialog.getByText(/^Line \d: /)).toHaveCount(0);
  const ready = page.getByRole('dialog', { name: 'custom-net is ready' });
  const href = await ready.getByRole('link', { name: 'Download config' }).getAttribute('href');
  const config = await (await page.request.get(href!)).text();
  expect(config).toMatch(/^DNS = 10\.0\.0\.1$/m);
  expect(config).toMatch(/^AllowedIPs = 192\.168\.1\.0\/24, 10\.10\.0\.0\/16, 10\.0\.0\.1\/32$/m);
});

test('a LAN-only endpoint is named on the WireGuard page and in the peer dialog', async ({ page }) => {
  await admin(page);
  await page.goto('/wireguard');
  const warning = /Peer configs use ux\.home\.arpa, a name only this network can resolve/;
  await expect(page.getByText(warning)).toBeVisible();
  await page.goto('/peers');
  await page.getByRole('button', { name: 'New peer' }).click();
  await expect(page.getByRole('dialog', { name: 'New peer' }).getByText(warning)).toBeVisible();
});

test('Copy and the lower Save say what they did', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await admin(page);
  await page.goto('/wireguard');
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByText('Public key copied.', { exact: true })).toBeVisible();
  await page.goto('/settings');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
});

test('the dashboard lists WireGuard among its services and links its tiles', async ({ page }, info) => {
  await admin(page);
  const services = page.getByTestId('services-card');
  await expect(services.getByRole('link', { name: 'WireGuard' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Traffic, last 24 h' })).toBeVisible();
  await expect(page.getByRole('img', { name: /Over the last 24 hours peers sent/ })).toBeVisible();
  await page
    .getByRole('link', { name: /Routes/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/routes$/);
  await page.goto('/dashboard');
  await expect(page.getByRole('img', { name: /peers were online at once/ })).toBeVisible();
  await shot(page, info, 'dashboard');
});

test('a typo is caught in the browser and never counted as kept out', async ({ page, request, baseURL }) => {
  await admin(page);
  const api = cellApi(request, baseURL!);
  await api.login('admin', PASSWORD);
  const count = async () =>
    (
      (await (await api.query('audit.list', { pageSize: 1 })).json()) as {
        result: { data: { json: { total: number } } };
      }
    ).result.data.json.total;
  const before = await count();
  await page.goto('/peers');
  await page.getByRole('button', { name: 'New peer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New peer' });
  await dialog.getByLabel('Name').fill('bad name!');
  await dialog.getByRole('button', { name: 'Create peer' }).click();
  await expect(dialog.getByText('Letters, digits, underscore, hyphen and dot only')).toBeVisible();
  // Nothing new in the trail: the typo never reached the server.
  expect(await count()).toBe(before);
});

test('the favicon answers, each page has its own title, counts read as words', async ({ page, request, baseURL }) => {
  expect((await request.get(`${baseURL}/favicon.ico`)).status()).toBe(200);
  await admin(page);
  const titles = new Set<string>();
  for (const path of ADMIN_PAGES) {
    await page.goto(path);
    titles.add(await page.title());
  }
  expect(titles.size).toBe(ADMIN_PAGES.length);
  expect([...titles].every((t) => t.endsWith(' · Personal Internet Cell'))).toBe(true);
  await page.goto('/peers?x=1');
  await page.getByRole('textbox', { name: 'Search peers' }).fill('kb-phone');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('Page 1 of 1 · 1 peer', { exact: true })).toBeVisible();
});

test('an easy admin password is refused with a reason; the meter says why as it is typed', async ({ page }) => {
  await admin(page);
  await page.goto('/account');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('aaaaaaaaaaaa');
  await expect(page.getByText(/^Very weak — Too easy to guess/)).toBeVisible();
  await page.getByLabel('Confirm new password').fill('aaaaaaaaaaaa');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /^Too easy to guess/ })).toBeVisible();
});

test('the peer page shows one peer: status, traffic by range, config, activity', async ({ page }, info) => {
  await admin(page);
  await page.goto(`/peers/${peerId}`);
  await expect(page.getByRole('heading', { name: 'kb-phone' })).toBeVisible();
  await expect(page).toHaveTitle('kb-phone · Peers · Personal Internet Cell');
  await expect(page.getByTestId('peer-status')).toContainText('offline');
  await page.getByRole('tab', { name: 'Week' }).click();
  await expect(page).toHaveURL(/range=week$/);
  await expect(page.getByRole('img', { name: /kb-phone over the last week/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Activity of this peer' })).toContainText('admin created peer kb-phone');
  await expect(page.getByTestId('my-services')).toContainText('ntp.cell');
  await shot(page, info, 'peer-page');
  expect((await page.request.get('/peers/999999')).status()).toBe(404);
});

test('on a phone no page scrolls sideways and the Menu button opens the navigation', async ({
  browser,
  baseURL,
}, info) => {
  const context = await browser.newContext({ viewport: PHONE, baseURL });
  const page = await context.newPage();
  await admin(page);
  for (const path of [...ADMIN_PAGES, `/peers/${peerId}`]) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
  }
  await page.goto('/peers');
  // Each row's last hour of traffic, as a line whose name gives the totals.
  await expect(page.getByRole('img', { name: 'kb-phone in the last hour: 0 B from it, 0 B to it' })).toBeVisible();
  await shot(page, info, 'peers-phone');
  await page.getByRole('button', { name: 'Menu' }).click();
  const menu = page.getByRole('dialog', { name: 'Menu' });
  await menu.getByRole('link', { name: 'Vault' }).click();
  await expect(page).toHaveURL(/\/vault$/);
  await expect(menu).toHaveCount(0);
  await context.close();
});

test('the portal on a phone: download before the QR, and no sideways scroll', async ({
  browser,
  page,
  baseURL,
}, info) => {
  await admin(page);
  await page.goto('/peers');
  await rowAction(page, 'kb-phone', 'Portal login');
  const login = page.getByRole('dialog', { name: 'Portal login for kb-phone' });
  await login.getByLabel('Username').fill('kb');
  await login.getByRole('radio', { name: /initial password/ }).check();
  await login.getByLabel('Initial password', { exact: true }).fill('kb phone long password');
  await login.getByRole('button', { name: 'Give login' }).click();
  await expect(login.getByText('kb can sign in')).toBeVisible();

  const context = await browser.newContext({ viewport: PHONE, baseURL });
  const phone = await context.newPage();
  await signIn(phone, 'kb', 'kb phone long password');
  await expect(phone).toHaveURL(/\/portal$/);
  const download = phone.getByRole('link', { name: 'Download config' });
  const qr = phone.getByRole('img', { name: 'QR code of the config of kb-phone' });
  await expect(qr).toBeVisible();
  expect((await download.boundingBox())!.y).toBeLessThan((await qr.boundingBox())!.y);
  // What the peer can use, and how to trust the cell on the platform this browser runs.
  await expect(phone.getByTestId('my-services')).toContainText('This portal');
  await expect(phone.getByTestId('my-services')).toContainText('ntp.cell');
  await expect(phone.getByTestId('trust-mine')).toContainText('On this Linux device: Copy it to /usr/local/share');
  await expect(phone.getByRole('img', { name: /kb-phone over the last day/ })).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await shot(phone, info, 'portal-phone');
  await context.close();
});

test('no page has a serious or critical accessibility violation', async ({ page }) => {
  await page.goto('/login');
  const found: string[] = (await axeViolations(page)).map((v) => `/login ${v}`);
  await admin(page);
  for (const path of [...ADMIN_PAGES, `/peers/${peerId}`]) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    found.push(...(await axeViolations(page)).map((v) => `${path} ${v}`));
  }
  await page.goto('/peers');
  await page.getByRole('button', { name: 'New peer' }).click();
  found.push(...(await axeViolations(page)).map((v) => `New peer dialog ${v}`));
  expect(found).toEqual([]);
});
