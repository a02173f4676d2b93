/**
 * The Backups page on cell E: a backup made from the page with its steps as they run, proven
 * restorable, downloaded, and restored from that file through the upload form after the cell
 * changed. A wrong passphrase changes nothing and says so; a bad recipient key is named.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

const PASS = 'a passphrase for the e2e';

test.beforeAll(async ({ request, baseURL }) => {
  const r = await cellApi(request, baseURL!).setup({ cellName: 'net' });
  expect([200, 409]).toContain(r.status());
});

async function peerNames(page: Page, baseURL: string): Promise<string[]> {
  const r = await cellApi(page.request, baseURL).query('peers.list', {});
  const body = (await r.json()) as { result: { data: { json: { items: { name: string }[] } } } };
  return body.result.data.json.items.map((p) => p.name).sort();
}

async function restoreFrom(page: Page, file: string, passphrase: string) {
  await page.getByRole('button', { name: 'Restore from a file' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore an archive' });
  await dialog.getByLabel('Archive').setInputFiles(file);
  await dialog.getByLabel('Passphrase or secret key').fill(passphrase);
  await dialog.getByRole('button', { name: 'Restore' }).click();
  return dialog;
}

test('back up with the steps shown, see it verified, download it, restore it from the file', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: 'Backups' }).click();
  await expect(page.getByRole('heading', { name: 'Backups' })).toBeVisible();
  await expect(page.getByTestId('last-verified')).toHaveText('No backup has been verified restorable yet.');

  await page.getByRole('button', { name: 'Back up now' }).click();
  const create = page.getByRole('dialog', { name: 'Back up now' });
  await create.getByLabel('Passphrase', { exact: true }).fill('short');
  await create.getByLabel('Passphrase again').fill('short');
  await create.getByRole('button', { name: 'Back up now' }).click();
  await expect(create.getByText(/At least 10 characters/)).toBeVisible();
  await create.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await create.getByLabel('Passphrase again').fill(PASS);
  await create.getByRole('button', { name: 'Back up now' }).click();
  await expect(create.getByRole('list', { name: 'Backup' })).toBeVisible();
  await expect(create.getByTestId('backup-operation')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  for (const step of ['snapshot', 'files', 'services', 'seal', 'verify'])
    await expect(create.getByTestId(`step-${step}`)).toHaveAttribute('data-state', 'done');
  await expect(create.getByText(/proven restorable/)).toBeVisible();
  await create.getByRole('button', { name: 'Close' }).click();

  const row = page.getByRole('row', { name: /cell-\d{8}-\d{6}-[0-9a-f]{8}\.age/ });
  await expect(row.getByText(/^verified /)).toBeVisible();
  await expect(page.getByTestId('last-verified')).toContainText('Last verified restorable:');
  const name = (await row.locator('.mono').textContent())!;

  const download = page.waitForEvent('download');
  await rowAction(page, name, 'Download');
  const archive = await download;
  expect(archive.suggestedFilename()).toBe(name);
  const file = await archive.path();
  expect(fs.readFileSync(file).subarray(0, 21).toString()).toBe('age-encryption.org/v1');

  // The cell changes after the backup: a peer that the archive does not hold.
  const api = cellApi(page.request, baseURL!);
  const made = await api.mutate(
    'peers.create',
    { name: 'after-backup', routingPolicy: 'cell' },
    { 'x-csrf-token': await api.csrf() },
  );
  expect(made.status()).toBe(200);
  expect(await peerNames(page, baseURL!)).toContain('after-backup');

  const wrong = await restoreFrom(page, file, 'not the passphrase');
  await expect(wrong.getByTestId('backup-operation')).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  await expect(
    wrong.getByText('check: The passphrase or key does not open this archive. Nothing was changed.'),
  ).toBeVisible();
  await wrong.getByRole('button', { name: 'Close' }).click();
  expect(await peerNames(page, baseURL!)).toContain('after-backup');

  // The upload says how far it got (the browser's upload slowed down so it can be seen).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: Math.ceil(fs.statSync(file).size / 4),
  });
  const dialog = await restoreFrom(page, file, PASS);
  await expect(dialog.getByText(/^Uploading: \d+\.\d MB of \d+\.\d MB$/)).toBeVisible();
  await expect(dialog.getByRole('progressbar')).toBeVisible();
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await expect(dialog.getByRole('list', { name: 'Restore' })).toBeVisible();
  await expect(dialog.getByTestId('backup-operation')).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  for (const step of ['check', 'snapshot', 'stop', 'secrets', 'database', 'configs', 'volumes', 'services', 'apply'])
    await expect(dialog.getByTestId(`step-${step}`)).toHaveAttribute('data-state', 'done');
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect(await peerNames(page, baseURL!)).not.toContain('after-backup');
  // Both uploads stay listed (the first never opened): each can be restored again or deleted.
  await expect(page.getByRole('row', { name: /uploaded/ })).toHaveCount(2);
});

test('a recipient key that is not one is named, and a good one schedules daily backups', async ({ page }) => {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/backups');
  const form = page.getByRole('form', { name: 'Backup settings' });
  await form.getByLabel('Recipient key').fill('age1notakey');
  await form.getByLabel('Back up every day').check();
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByText(/An age public key: age1 and 58 more/)).toBeVisible();
  await form.getByLabel('Recipient key').fill('age1h0pczgga6kes08nl0f5nhcnr5hjzztm6nlz7n54p2kkycxavweeqsl76wf');
  await form.getByLabel('At hour').fill('4');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByText('Saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('form', { name: 'Backup settings' }).getByLabel('At hour')).toHaveValue('4');
});

test('the off-site copy: the cell shows its SSH key, wants a trusted server key, and calls no loopback', async ({
  page,
}) => {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/backups');
  const form = page.getByRole('form', { name: 'Off-site copy' });
  await expect(form.getByLabel('Copy to')).toHaveValue('none');
  await form.getByLabel('Copy to').selectOption('sftp');
  await expect(form.getByTestId('offsite-public-key')).toHaveText(/^ssh-ed25519 AAAA\S+ cell-backup@net$/);
  await form.getByLabel('Server', { exact: true }).fill('127.0.0.1');
  await form.getByLabel('User name').fill('backup');
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(form.getByText(/A fingerprint such as SHA256:/)).toBeVisible();
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByTestId('offsite-test')).toContainText('loopback');

  await form.getByLabel('Copy to').selectOption('webdav');
  await form.getByLabel('Folder URL').fill('http://dav.example.org/backups/');
  await form.getByLabel('User name').fill('backup');
  await form.getByLabel('Password').fill('a dav password');
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(form.getByText(/An https:\/\/ URL: over http the password/)).toBeVisible();
  await page.reload();
  await expect(page.getByRole('form', { name: 'Off-site copy' }).getByLabel('Copy to')).toHaveValue('none');
});
