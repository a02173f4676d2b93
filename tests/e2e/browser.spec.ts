import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { hashPassword } from '../../src/server/managers/accounts/password';
import { CELLS } from '../../playwright.config';
import { rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'an even better passphrase';

async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

/**
 * This host's own address (not loopback): a browser there reaches the cell as another machine
 * would, so the wizard asks it for the setup code.
 */
function hostAddress(): string {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!found)
    throw new Error('this host has no IPv4 address but loopback: the wizard cannot be opened from outside it');
  return found.address;
}

test('the wizard, opened from another address, asks for the setup code and takes a fresh cell to its dashboard', async ({
  page,
}, info) => {
  await page.goto(`http://${hostAddress()}:${CELLS.a}/`);
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Code' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('The setup code looks like ABCD-EFGH-JKMN')).toBeVisible();
  await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('That is not the setup code')).toBeVisible();
  await shot(page, info, '00-setup-code');
  await page.getByLabel('Setup code').fill(fs.readFileSync('.e2e/a/secrets/setup-code', 'utf8').trim().toLowerCase());
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByLabel('Cell name')).toBeVisible();
  await shot(page, info, '01-setup-name');

  await page.getByLabel('Cell name').fill('Bad Name');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('Only lowercase letters, digits and hyphens')).toBeVisible();
  await page.getByLabel('Cell name').fill('e2e-home');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByRole('heading', { name: 'Domain' })).toBeVisible();
  await page.getByLabel('Cloudflare').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('A domain is required for Cloudflare')).toBeVisible();
  await page.getByText('LAN only').click();
  await shot(page, info, '02-setup-domain');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByLabel('Time zone')).toBeVisible();
  await page.getByLabel('Time zone').selectOption('Europe/Berlin');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.getByLabel('Admin username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('too short');
  await page.getByLabel('Confirm password').fill('too short');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('At least 12 characters').first()).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await shot(page, info, '03-setup-admin');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByLabel('WireGuard VPN')).toBeChecked();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('e2e-home.home.arpa')).toBeVisible();
  await shot(page, info, '04-setup-review');
  await page.getByRole('button', { name: 'Create cell' }).click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { name: 'Identity' })).toBeVisible();
  await expect(page.getByTestId('engine-card')).toContainText('unreachable');
  await shot(page, info, '05-dashboard');

  await page.goto('/setup');
  await expect(page).not.toHaveURL(/\/setup$/);
});

test('settings change the cell name', async ({ page }, info) => {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Cell name').fill('e2e-cabin');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  await shot(page, info, '06-settings');
});

test('sign out, a wrong password is refused, sign in again', async ({ page }, info) => {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);

  await signIn(page, 'admin', 'not my password');
  await expect(page.locator('.alert-error')).toHaveText('Wrong username or password.');
  await shot(page, info, '07-login-error');
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('before the page is interactive the login form cannot be used, and it never sends a password in a URL', async ({
  browser,
  baseURL,
}) => {
  // Without scripts the page stays as the server rendered it: what a slow phone sees first.
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.getByLabel('Password')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  await expect(page.locator('form')).toHaveAttribute('method', 'post');
  await context.close();
});

test('change password, then only the new one works', async ({ page }, info) => {
  await signIn(page, 'admin', PASSWORD);
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await page.getByLabel('Current password').fill('wrong current pw');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Current password is wrong')).toBeVisible();
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();
  await shot(page, info, '08-account');
  await expect(page).toHaveURL(/\/login$/, { timeout: 10_000 });

  await signIn(page, 'admin', PASSWORD);
  await expect(page.locator('.alert-error')).toHaveText('Wrong username or password.');
  await signIn(page, 'admin', NEW_PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('the Activity page shows what happened and verifies the chain', async ({ page }, info) => {
  await signIn(page, 'admin', NEW_PASSWORD);
  await page.getByRole('link', { name: 'Activity' }).click();
  const table = page.locator('table');
  await expect(table).toContainText('account.changePassword');
  await expect(table).toContainText('settings.update');
  await expect(table).toContainText('setup.complete');
  await expect(table).toContainText('auth.login');
  await expect(table).not.toContainText(PASSWORD);
  // Each entry reads as a sentence with names; the raw input is one click away.
  await expect(table).toContainText('admin changed the cell settings');
  await expect(table).toContainText('The setup wizard set up the cell e2e-home');
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByText(/Chain intact: \d+ entries verified/)).toBeVisible();
  await page.getByLabel('Outcome').selectOption('refused');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/\/activity\?outcome=refused$/);
  await expect(table).toContainText('admin tried to change their password, refused: Current password is wrong');
  await expect(table).not.toContainText('setup.complete');
  await shot(page, info, '09-activity');
});

test('a peer lands on the portal and never on admin pages', async ({ page }, info) => {
  // Peer accounts are created by the peers feature; here one is written straight into the cell's database.
  const db = new Database(path.resolve('.e2e/a/cell.db'));
  const now = Date.now();
  db.prepare(
    'insert into users (username, password_hash, role, created_at, password_changed_at) values (?, ?, ?, ?, ?)',
  ).run('alice', await hashPassword('alice long password'), 'peer', now, now);
  db.close();

  await signIn(page, 'alice', 'alice long password');
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByRole('heading', { name: 'My Services' })).toBeVisible();
  await expect(page.getByText('e2e-cabin').first()).toBeVisible();
  await shot(page, info, '10-portal');
  for (const adminPage of ['/dashboard', '/settings', '/activity']) {
    await page.goto(adminPage);
    await expect(page).toHaveURL(/\/portal$/);
  }
  const api = await page.request.get('/api/trpc/settings.get');
  expect(api.status()).toBe(403);
});

test('an admin creates a peer, sees its QR, downloads its config, disables and deletes it', async ({ page }, info) => {
  await signIn(page, 'admin', NEW_PASSWORD);
  await page.getByRole('navigation').getByRole('link', { name: 'Peers' }).click();
  await expect(page.getByRole('heading', { name: 'Peers' })).toBeVisible();
  await page.getByRole('button', { name: 'New peer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New peer' });
  await dialog.getByLabel('Name').fill('bad name!');
  await dialog.getByRole('button', { name: 'Create peer' }).click();
  await expect(dialog.getByText('Letters, digits, underscore, hyphen and dot only')).toBeVisible();
  await dialog.getByLabel('Name').fill('e2e-phone');
  await dialog.getByRole('button', { name: 'Create peer' }).click();
  // The new peer's QR code and file come straight away, in a dialog of their own.
  const ready = page.getByRole('dialog', { name: 'e2e-phone is ready' });
  await expect(ready.getByTestId('peer-qr').locator('svg')).toBeVisible();
  // No engine in this run: the page says the change is stored but not applied yet.
  await expect(page.getByText(/Saved; it will apply when/)).toBeVisible();
  await shot(page, info, '11-peer-ready');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    ready.getByRole('link', { name: 'Download config' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('e2e-phone.conf');
  const text = await (
    await download.createReadStream()
  )
    .toArray()
    .then((chunks) => Buffer.concat(chunks).toString('utf8'));
  expect(text).toContain('[Interface]');
  expect(text).toContain('Address = 10.0.0.2/32');
  await ready.getByRole('button', { name: 'Close' }).click();
  const row = page.getByTestId('peer-e2e-phone');
  await expect(row).toContainText('10.0.0.2');
  await shot(page, info, '11-peers');

  await rowAction(page, 'e2e-phone', 'QR / config');
  const qr = page.getByRole('dialog', { name: 'Config for e2e-phone' });
  await expect(qr.getByTestId('peer-qr').locator('svg')).toBeVisible();
  await shot(page, info, '12-peer-qr');
  await qr.getByRole('button', { name: 'Close' }).click();

  await rowAction(page, 'e2e-phone', 'Disable');
  await expect(row.getByText('disabled')).toBeVisible();
  await rowAction(page, 'e2e-phone', 'Delete');
  // A delete can be called off: Cancel keeps the peer.
  await page.getByRole('dialog', { name: 'Delete e2e-phone?' }).getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toHaveCount(1);
  await rowAction(page, 'e2e-phone', 'Delete');
  await page
    .getByRole('dialog', { name: 'Delete e2e-phone?' })
    .getByRole('button', { name: 'Delete e2e-phone' })
    .click();
  await expect(row).toHaveCount(0);

  await page.getByRole('navigation').getByRole('link', { name: 'WireGuard' }).click();
  await expect(page.getByTestId('wg-state')).toContainText('51820');
  await shot(page, info, '13-wireguard');
});

test('a peer with a portal login sees only its own config; a one-time link sets a password once', async ({
  page,
  browser,
}, info) => {
  await signIn(page, 'admin', NEW_PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/peers');
  const ids: Record<string, string> = {};
  for (const name of ['e2e-tablet', 'e2e-laptop']) {
    await page.getByRole('button', { name: 'New peer' }).click();
    await page.getByRole('dialog', { name: 'New peer' }).getByLabel('Name').fill(name);
    await page.getByRole('dialog', { name: 'New peer' }).getByRole('button', { name: 'Create peer' }).click();
    const ready = page.getByRole('dialog', { name: `${name} is ready` });
    const href = await ready.getByRole('link', { name: 'Download config' }).getAttribute('href');
    ids[name] = /\/api\/peers\/(\d+)\/config/.exec(href!)![1]!;
    await ready.getByRole('button', { name: 'Close' }).click();
  }
  await rowAction(page, 'e2e-tablet', 'Portal login');
  const login = page.getByRole('dialog', { name: 'Portal login for e2e-tablet' });
  await login.getByLabel('Username').fill('tablet');
  await login.getByRole('radio', { name: /initial password/ }).check();
  await login.getByLabel('Initial password', { exact: true }).fill('tablet long password');
  await login.getByRole('button', { name: 'Give login' }).click();
  await expect(login.getByText('tablet can sign in to the portal with the password you set')).toBeVisible();
  await login.getByRole('button', { name: 'Close' }).click();

  await rowAction(page, 'e2e-laptop', 'Portal login');
  const linkDialog = page.getByRole('dialog', { name: 'Portal login for e2e-laptop' });
  await linkDialog.getByLabel('Username').fill('laptop');
  await linkDialog.getByRole('button', { name: 'Give login' }).click();
  const link = await linkDialog.getByRole('textbox', { name: 'One-time link' }).inputValue();
  expect(link).toMatch(/\/welcome\/[A-Za-z0-9_-]{20,}$/);
  await shot(page, info, '14-peer-login-link');

  const peer = await browser.newContext({ baseURL: new URL(link).origin });
  const peerPage = await peer.newPage();
  await signIn(peerPage, 'tablet', 'tablet long password');
  await expect(peerPage).toHaveURL(/\/portal$/);
  await expect(peerPage.getByTestId('my-device')).toContainText('e2e-tablet');
  await expect(peerPage.getByTestId('peer-qr').locator('svg')).toBeVisible();
  await shot(peerPage, info, '15-portal-device');
  expect((await peerPage.request.get(`/api/peers/${ids['e2e-tablet']}/config`)).status()).toBe(200);
  expect((await peerPage.request.get(`/api/peers/${ids['e2e-laptop']}/config`)).status()).toBe(404);
  await peer.close();

  const newcomer = await browser.newContext();
  const welcome = await newcomer.newPage();
  await welcome.goto(link);
  await expect(welcome.getByText('Choose a password for laptop')).toBeVisible();
  await expect(welcome.getByRole('heading', { name: 'Welcome to e2e-cabin' })).toBeVisible();
  await welcome.getByLabel('Password', { exact: true }).fill('laptop long password');
  await welcome.getByLabel('Confirm password').fill('laptop long password');
  await welcome.getByRole('button', { name: 'Set password' }).click();
  // The login page says what happened and has the username filled in.
  await expect(welcome).toHaveURL(/\/login\?claimed=laptop$/);
  await expect(welcome.getByText('Your password is set. Sign in as laptop with it.')).toBeVisible();
  await expect(welcome.getByLabel('Username')).toHaveValue('laptop');
  await signIn(welcome, 'laptop', 'laptop long password');
  await expect(welcome.getByTestId('my-device')).toContainText('e2e-laptop');
  await welcome.goto(link);
  await expect(welcome.getByText(/expired or was already used/)).toBeVisible();
  await newcomer.close();
});

test('peers import from a pasted CSV; a bad file shows each line that is wrong and imports nothing', async ({
  page,
}, info) => {
  await signIn(page, 'admin', NEW_PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('navigation').getByRole('link', { name: 'Peers' }).click();
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import peers' });
  // Checked in the browser with the server's rules before anything is sent.
  await dialog.getByLabel('Or paste it here').fill('name,routingPolicy\nimp-1,cell\nimp 2,cell\nimp-3,sideways');
  await dialog.getByRole('button', { name: 'Import peers' }).click();
  const errors = dialog.getByTestId('import-errors');
  await expect(errors).toContainText('Row 2, name: Letters, digits, underscore, hyphen and dot only');
  await expect(errors).toContainText('Row 3, routingPolicy: Choose full, cell or custom');
  await shot(page, info, '16-peer-import-errors');
  // Sound as a file but not for this cell: the server names the line, and still nothing is created.
  await dialog.getByLabel('Or paste it here').fill('name,routingPolicy,address\nimp-1,cell,\nimp-2,cell,192.168.99.9');
  await dialog.getByRole('button', { name: 'Import peers' }).click();
  await expect(errors).toContainText('Row 2, address: 192.168.99.9 is outside the tunnel subnet');
  await expect(page.getByTestId('peer-imp-1')).toHaveCount(0);
  await dialog.getByLabel('Or paste it here').fill('name,routingPolicy,address\nimp-1,cell,\nimp-2,full,10.0.0.77');
  await dialog.getByRole('button', { name: 'Import peers' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('peer-imp-1')).toBeVisible();
  await expect(page.getByTestId('peer-imp-2')).toContainText('10.0.0.77');
});
