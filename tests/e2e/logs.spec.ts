/**
 * The Logs page on cell E: the cell's own lines searched, the verbosity of one of its
 * services raised (the next line shows), and Caddy's level changed; the Settings page's
 * notifications say why a test did not go through, and its metrics token is shown once.
 */
import { expect, test } from '@playwright/test';
import { cellApi, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request, baseURL }) => {
  const r = await cellApi(request, baseURL!).setup({ cellName: 'net' });
  expect([200, 409]).toContain(r.status());
});

test('search the logs and change a verbosity', async ({ page }) => {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: 'Logs' }).click();
  await expect(page.getByRole('heading', { name: 'Logs' })).toBeVisible();

  const search = page.getByRole('form', { name: 'Search the logs' });
  await search.getByLabel('Text').fill('cell started');
  await search.getByRole('button', { name: 'Search' }).click();
  const lines = page.getByRole('list', { name: 'Log lines' });
  await expect(lines.getByText('cell started').first()).toBeVisible();
  await expect(lines.getByText('cell.boot').first()).toBeVisible();

  const verbosity = page.getByRole('region', { name: 'Verbosity' });
  const set = verbosity.getByRole('form', { name: 'Set a level' });
  await set.getByLabel('Part of the cell').fill('cell.{store}');
  await set.getByRole('button', { name: 'Set level' }).click();
  await expect(set.getByText(/cell, cell.<service>/)).toBeVisible();
  await set.getByLabel('Part of the cell').fill('cell.backup');
  await set.getByRole('button', { name: 'Set level' }).click();
  await expect(verbosity.getByText('cell.backup now logs at debug; it applies now, with no restart.')).toBeVisible();
  await expect(verbosity.getByRole('rowheader', { name: 'cell.backup' })).toBeVisible();

  await verbosity.getByLabel("Caddy's level").selectOption('debug');
  await expect(verbosity.getByText('caddy now logs at debug; it applies now, with no restart.')).toBeVisible();
  // dnsmasq reads its level only when it starts: cell-dhcp restarts (here, once an engine is reachable).
  await verbosity.getByLabel("dnsmasq's level").selectOption('warn');
  await expect(
    verbosity.getByText(/^dhcp logs at warn from its next start: cell-dhcp restarts to take it\./),
  ).toBeVisible();
  await expect(verbosity.getByLabel("chrony's level").locator('option')).toHaveText(['info', 'warn', 'error']);
  // wireguard-go's level waits for cell-wireguard's next start: the cell does not drop the tunnel for it.
  await expect(verbosity.getByLabel("wireguard-go's level").locator('option')).toHaveText([
    'its default (nothing after it starts)',
    'debug',
    'error',
  ]);
  await verbosity.getByLabel("wireguard-go's level").selectOption('debug');
  await expect(
    verbosity.getByText(/^wireguard-go logs at debug from its next start\. The cell does not restart cell-wireguard/),
  ).toBeVisible();
  await page.reload();
  const reloaded = page.getByRole('region', { name: 'Verbosity' });
  await expect(reloaded.getByLabel("Caddy's level")).toHaveValue('debug');
  await expect(reloaded.getByLabel("dnsmasq's level")).toHaveValue('warn');
  await expect(reloaded.getByLabel("wireguard-go's level")).toHaveValue('debug');
  await reloaded.getByLabel("wireguard-go's level").selectOption('');
  await expect(reloaded.getByText('wireguard-go logs at its own default again from its next start.')).toBeVisible();
});

test('notifications say why a test failed; the metrics token is shown once', async ({ page }) => {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/settings');
  const notifications = page.getByRole('form', { name: 'Notifications' });
  await notifications.getByLabel('Webhook URL').fill('ftp://example.org/hook');
  await notifications.getByRole('button', { name: 'Save notifications' }).click();
  await expect(notifications.getByText(/An http:\/\/ or https:\/\/ URL/)).toBeVisible();
  // Loopback is never called from a cell (no test switch on this one).
  await notifications.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hook');
  await notifications.getByLabel('Format').selectOption('ntfy');
  await notifications.getByRole('button', { name: 'Save notifications' }).click();
  await expect(notifications.getByText('Saved.')).toBeVisible();
  await notifications.getByRole('button', { name: 'Send test' }).click();
  await expect(notifications.getByText(/The test did not go through: .*loopback/)).toBeVisible();

  const metrics = page.getByRole('region', { name: 'Metrics' });
  await expect(metrics.getByTestId('metrics-state')).toHaveText('Off: no token has been made.');
  await metrics.getByRole('button', { name: 'Make a token' }).click();
  await expect(metrics.getByTestId('metrics-token')).toHaveText(/^pic_[A-Za-z0-9_-]{43}$/);
  const token = await metrics.getByTestId('metrics-token').textContent();
  const scraped = await page.request.get('/api/metrics', { headers: { authorization: `Bearer ${token}` } });
  expect(scraped.status()).toBe(200);
  expect(await scraped.text()).toContain('pic_up 1');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Metrics' }).getByTestId('metrics-token')).toHaveCount(0);
  await page.getByRole('region', { name: 'Metrics' }).getByRole('button', { name: 'Turn metrics off' }).click();
  await expect(page.getByRole('region', { name: 'Metrics' }).getByTestId('metrics-state')).toHaveText(
    'Off: no token has been made.',
  );
});
