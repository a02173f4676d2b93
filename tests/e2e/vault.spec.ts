import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request, baseURL }) => {
  // Cell E may already be set up by the network services suite.
  const r = await cellApi(request, baseURL!).setup({ cellName: 'net' });
  expect([200, 409]).toContain(r.status());
});

test('issue and revoke a certificate, and download the root', async ({ page }, info) => {
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole('link', { name: 'Vault' }).click();
  await expect(page.getByRole('heading', { name: 'Vault' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Root certificate' }).getByText('net root CA')).toBeVisible({
    timeout: 15_000,
  });

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download root certificate' }).click();
  const root = await download;
  expect(root.suggestedFilename()).toBe('cell-root-ca.crt');
  expect(fs.readFileSync(await root.path(), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

  await page.getByRole('button', { name: 'Issue certificate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Issue certificate' });
  await dialog.getByLabel('Common name').fill('nas.cell');
  await dialog.getByLabel('Names and addresses (SANs)').fill('nas.cell, bad..name');
  await dialog.getByRole('button', { name: 'Issue certificate' }).click();
  await expect(dialog.getByText(/A DNS name like nas\.cell/)).toBeVisible();
  await dialog.getByLabel('Names and addresses (SANs)').fill('nas.cell, 10.0.0.5');
  await dialog.getByRole('button', { name: 'Issue certificate' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row', { name: /nas\.cell/ });
  await expect(row).toContainText('nas.cell, 10.0.0.5');
  await expect(row.getByText('valid', { exact: true })).toBeVisible();

  const pem = page.waitForEvent('download');
  await rowAction(page, 'nas.cell', 'Download PEM');
  expect((await pem).suggestedFilename()).toBe('nas.cell.pem');

  await rowAction(page, 'nas.cell', 'Revoke');
  const revoke = page.getByRole('dialog', { name: 'Revoke nas.cell' });
  await revoke.getByLabel('Reason').selectOption('keyCompromise');
  await revoke.getByRole('button', { name: 'Revoke certificate' }).click();
  await expect(page.getByText('Revoked nas.cell; the CRL is updated.')).toBeVisible();
  await expect(row.getByText('revoked', { exact: true })).toBeVisible();
  // The reason reads as words, not as the CRL's code name.
  await expect(row).toContainText('The key was exposed');
  await expect(row).not.toContainText('keyCompromise');
  await page.getByRole('button', { name: 'Actions for nas.cell', exact: true }).click();
  await expect(page.getByRole('menuitem', { name: 'Renew' })).toBeHidden();
  await expect(page.getByRole('menuitem', { name: 'Download PEM' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.screenshot({ path: info.outputPath('vault.png'), fullPage: true });
});
