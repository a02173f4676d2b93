import { expect, test, type Page } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery';

test.beforeAll(async ({ request, baseURL }) => {
  // Cell E may already be set up by the backups suite.
  const r = await cellApi(request, baseURL!).setup({ cellName: 'net' });
  expect([200, 409]).toContain(r.status());
});

async function openNetwork(page: Page) {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: 'Network services' }).click();
  await expect(page.getByRole('heading', { name: 'Network services' })).toBeVisible();
}

async function testName(page: Page, name: string) {
  await page.getByLabel('Name to test').fill(name);
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  return page.getByRole('status', { name: 'Answer' });
}

test('add, edit and delete a record, and test the name each time', async ({ page }, info) => {
  await openNetwork(page);
  const automatic = page.getByRole('table', { name: 'Automatic names' });
  await expect(automatic.getByRole('row', { name: /net\.cell A 10\.0\.0\.1 the cell/ })).toBeVisible();

  await page.getByRole('button', { name: 'Add record' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add record' });
  await dialog.getByLabel('Name').fill('nas');
  await dialog.getByLabel('Value').fill('10.0.0.300');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  await expect(dialog.getByText('An IPv4 address like 10.0.0.5')).toBeVisible();
  // A name held by the cell's own service is refused with its owner.
  await dialog.getByLabel('Name').fill('ntp');
  await dialog.getByLabel('Value').fill('10.0.0.40');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  await expect(dialog.getByText('ntp.cell belongs to service ntp')).toBeVisible();
  await dialog.getByLabel('Name').fill('nas');
  await dialog.getByRole('button', { name: 'Add record' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByText(/Saved; it will apply when the container engine is reachable \(No container engine reachable/),
  ).toBeVisible();
  await expect(page.getByTestId('record-nas.cell-A')).toContainText('10.0.0.40');
  await expect(await testName(page, 'nas.cell')).toContainText('10.0.0.40');
  await expect(page.getByRole('status', { name: 'Answer' })).toContainText('NOERROR');
  await page.screenshot({ path: info.outputPath('network-dns.png'), fullPage: true });

  await rowAction(page, 'nas.cell A', 'Edit');
  const edit = page.getByRole('dialog', { name: 'Edit nas.cell' });
  await edit.getByLabel('Value').fill('10.0.0.41');
  await edit.getByRole('button', { name: 'Save record' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByTestId('record-nas.cell-A')).toContainText('10.0.0.41');
  await expect(await testName(page, 'nas.cell')).toContainText('10.0.0.41');

  await rowAction(page, 'nas.cell A', 'Delete');
  await page.getByRole('dialog', { name: 'Delete record' }).getByRole('button', { name: 'Delete record' }).click();
  await expect(page.getByTestId('record-nas.cell-A')).toBeHidden();
  await expect(await testName(page, 'nas.cell')).toContainText('NXDOMAIN');
});

test('change the upstream resolvers; a bad one is refused next to its field', async ({ page }) => {
  await openNetwork(page);
  const form = page.getByRole('form', { name: 'DNS settings' });
  const upstreams = form.getByLabel('Upstream resolvers');
  await expect(upstreams).toHaveValue('1.1.1.1, 9.9.9.9');
  await upstreams.fill('9.9.9.9, dns.example');
  await form.getByRole('button', { name: 'Save DNS settings' }).click();
  await expect(form.getByText(/An IP address with an optional port/)).toBeVisible();
  await upstreams.fill('9.9.9.9, 149.112.112.112');
  await form.getByLabel('DNS over TLS: the resolvers’ certificate name').fill('dns.quad9.net');
  await form.getByRole('button', { name: 'Save DNS settings' }).click();
  await expect(page.getByText(/Saved; it will apply when/)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('form', { name: 'DNS settings' }).getByLabel('Upstream resolvers')).toHaveValue(
    '9.9.9.9, 149.112.112.112',
  );
});

test('NTP and DHCP tabs save with field errors in place', async ({ page }) => {
  await openNetwork(page);
  await page.getByRole('tab', { name: 'Time' }).click();
  const ntp = page.getByRole('form', { name: 'Time (NTP)' });
  await expect(ntp.getByText(/No status from cell-ntp/)).toBeVisible();
  await ntp.getByLabel('Upstream sources').fill('pool pool.ntp.org\nserver bad host');
  await ntp.getByRole('button', { name: 'Save NTP settings' }).click();
  await expect(ntp.getByText(/Line 2: A hostname like .* or an IP address/)).toBeVisible();
  await ntp.getByLabel('Upstream sources').fill('pool pool.ntp.org');
  await ntp.getByRole('button', { name: 'Save NTP settings' }).click();
  await expect(page.getByText(/Saved; it will apply when/)).toBeVisible();

  await page.getByRole('tab', { name: 'DHCP' }).click();
  const reservation = page.getByRole('form', { name: 'New reservation' });
  await reservation.getByLabel('Name').fill('printer');
  await reservation.getByLabel('MAC address').fill('aa:bb:cc:dd:ee:01');
  await reservation.getByLabel('Address', { exact: true }).fill('192.168.1.50');
  await reservation.getByRole('button', { name: 'Reserve' }).click();
  await expect(page.getByRole('table', { name: 'Reservations' })).toContainText('printer.cell');
  await page.getByRole('tab', { name: 'DNS' }).click();
  await expect(page.getByRole('table', { name: 'Automatic names' })).toContainText('192.168.1.50');
});
