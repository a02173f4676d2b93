import { expect, test, type Page } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request, baseURL }) => {
  // Cell E may already be set up by the network services suite.
  const r = await cellApi(request, baseURL!).setup({ cellName: 'net' });
  expect([200, 409]).toContain(r.status());
});

async function open(page: Page, link: string, heading: string) {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
}

test('add and remove a route; the UI host is reserved', async ({ page }) => {
  await open(page, 'Routes', 'Routes');
  await page.getByRole('button', { name: 'Add route' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add route' });
  await dialog.getByLabel('Host').fill('net.home.arpa');
  await dialog.getByLabel('Upstream').fill('files:80');
  await dialog.getByRole('button', { name: 'Add route' }).click();
  await expect(
    dialog.getByText("net.home.arpa is the cell's own web app and cannot be routed elsewhere"),
  ).toBeVisible();
  await dialog.getByLabel('Host').fill('files.home.example');
  await dialog.getByRole('button', { name: 'Add route' }).click();
  await expect(dialog.getByText('A subdomain of net.home.arpa, or a .cell name')).toBeVisible();
  await dialog.getByLabel('Host').fill('files.net.home.arpa');
  await dialog.getByLabel('Path prefix (optional)').fill('/dav');
  await dialog.getByRole('button', { name: 'Add route' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByText(/Saved; it will apply when Caddy is reachable \(cell-caddy is not running/),
  ).toBeVisible();
  const row = page.getByTestId('route-files.net.home.arpa/dav');
  await expect(row).toContainText('files:80');
  await expect(row).toContainText('peers only');

  await rowAction(page, 'files.net.home.arpa/dav', 'Delete');
  await page.getByRole('dialog', { name: 'Delete route' }).getByRole('button', { name: 'Delete route' }).click();
  await expect(row).toBeHidden();
  await expect(page.getByRole('table', { name: 'Routes' })).toContainText('No routes yet');
});

test('switch the domain mode to http01, cloudflare and back to lan; the page says what each needs', async ({
  page,
}, info) => {
  await open(page, 'Settings', 'Settings');
  const card = page.getByRole('region', { name: 'Domain and certificates' });
  await expect(card).toContainText('Nothing public');
  await page.getByText('Own domain (HTTP-01)').click();
  await page.getByLabel('Domain', { exact: true }).fill('example.org');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  await expect(card).toContainText('port 80 reachable from the internet');
  await expect(card).toContainText('example.org');
  await expect(card.getByTestId('domain-certificate')).toHaveCount(0);

  // A DNS-01 mode: the cell asks for the wildcard itself, and the card follows the request.
  // The last save's notice goes first, so the next one is this save's.
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByText('Cloudflare', { exact: true }).click();
  await page.getByLabel('Cloudflare API token').fill('cf-e2e-token');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(card).toContainText('Certificate for example.org and *.example.org');
  const cert = card.getByTestId('domain-certificate');
  await expect(cert).toContainText('none yet');
  await expect(cert).toContainText(
    'The ACME server at https://127.0.0.1:9/directory could not be reached: ECONNREFUSED',
  );
  await expect(cert).toContainText('Next attempt');
  await card.getByRole('button', { name: 'Request now' }).click();
  await expect(card.getByRole('button', { name: 'Request now' })).toBeEnabled();
  await expect(cert).toContainText('ECONNREFUSED');
  await expect(card).not.toContainText('cf-e2e-token');

  await page.getByText('LAN only').click();
  await page.getByLabel('Domain (optional)').fill('');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.', { exact: true })).toBeVisible();
  await expect(card).toContainText('Nothing public');
  await expect(card).toContainText('net.home.arpa');
  await page.screenshot({ path: info.outputPath('settings-domain.png'), fullPage: true });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('services-card')).toContainText('Reverse proxy');
  await page.screenshot({ path: info.outputPath('dashboard.png'), fullPage: true });
});
