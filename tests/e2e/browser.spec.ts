import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { hashPassword } from '../../src/server/managers/accounts/password';

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'an even better passphrase';

async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the wizard takes a fresh cell to its dashboard', async ({ page }, info) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
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
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await shot(page, info, '06-settings');
});

test('sign out, a wrong password is refused, sign in again', async ({ page }, info) => {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, 'admin', 'not my password');
  await expect(page.locator('.alert-error')).toHaveText('Wrong username or password.');
  await shot(page, info, '07-login-error');
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('change password, then only the new one works', async ({ page }, info) => {
  await signIn(page, 'admin', PASSWORD);
  await page.getByRole('link', { name: 'Account' }).click();
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
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByText(/Chain intact: \d+ entries verified/)).toBeVisible();
  await page.getByLabel('Outcome').selectOption('refused');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(table).toContainText('Current password is wrong');
  await expect(table).not.toContainText('setup.complete');
  await shot(page, info, '09-activity');
});

test('a peer lands on the portal and never on admin pages', async ({ page }, info) => {
  // Peer accounts are created by the peers feature; here one is written straight into the cell's database.
  const db = new Database(path.resolve('.e2e/a/cell.db'));
  const now = Date.now();
  db.prepare('insert into users (username, password_hash, role, created_at, password_changed_at) values (?, ?, ?, ?, ?)').run('alice', await hashPassword('alice long password'), 'peer', now, now);
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
