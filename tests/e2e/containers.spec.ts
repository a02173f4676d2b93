import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { logLines } from '../helpers/logs';
import { E2E_ENGINE_DIR } from './e2e-env';
import {
  ENGINE_INSTALL,
  ENGINE_TOOLS,
  importStandin,
  STANDIN_IMAGES,
  startEngine,
  type TestEngine,
} from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { cellApi, signIn } from './cell-api';

test.describe.configure({ mode: 'serial' });

const ready = requireTools('containers page suite', ENGINE_TOOLS, ENGINE_INSTALL);
const PASSWORD = 'correct horse battery';
let engine: TestEngine | undefined;

test.beforeAll(async ({ request, baseURL }) => {
  test.skip(!ready, 'no container engine tools');
  test.setTimeout(120_000);
  engine = await startEngine(E2E_ENGINE_DIR);
  await importStandin(engine.docker, Object.values(STANDIN_IMAGES));
  const r = await cellApi(request, baseURL!).setup({ cellName: 'dock' });
  expect(r.status()).toBe(200);
});

async function signInAdmin(page: Page) {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
}

// A failure here shows what the cell and the engine said, not only what the page showed.
// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the pattern; this hook needs none
test.afterEach(async ({}, info) => {
  if (info.status === info.expectedStatus) return;
  const tail = (file: string) =>
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : '';
  console.log(
    `--- cell log ---\n${logLines('.e2e/d/logs').slice(-40).join('\n')}\n--- dockerd log ---\n${tail(`${E2E_ENGINE_DIR}/dockerd.log`)}`,
  );
});

test.afterAll(async () => {
  await engine?.destroy();
});

test('the Containers page reconciles the stand-ins, restarts one and shows its logs', async ({ page }, info) => {
  await signInAdmin(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Containers' }).click();
  await expect(page.getByTestId('engine')).toContainText('reachable');
  await expect(page.getByTestId('engine')).toContainText(`${E2E_ENGINE_DIR}/docker.sock`);
  await page.getByRole('button', { name: 'Reconcile now' }).click();
  const report = page.getByTestId('reconcile-report');
  await expect(report).toBeVisible();
  // The start-up loop may have got there first: then the components are already there.
  await expect(report.locator('tr[data-component="caddy"]')).toContainText(/created|unchanged/);
  // A component that did not come up says why in the report.
  for (const component of ['caddy', 'dns', 'ntp', 'wireguard'])
    await expect(report.locator(`tr[data-component="${component}"]`)).not.toContainText('failed');

  const table = page.getByTestId('containers');
  for (const name of ['cell-caddy', 'cell-dns', 'cell-ntp', 'cell-wireguard']) {
    await expect(table.locator(`tr[data-name="${name}"]`).getByTestId('state')).toHaveText('running');
  }
  await expect(table.locator('tr[data-name="cell-dns"]')).toContainText('172.29.8.3');
  await expect(table.locator('tr[data-name="cell-caddy"]')).toContainText('127.0.0.1:443 → 443/tcp');
  await page.screenshot({ path: info.outputPath('containers.png'), fullPage: true });

  // Restart DNS, then its logs show it started twice.
  const dns = table.locator('tr[data-name="cell-dns"]');
  const startedBefore = (await engine!.docker.getContainer('cell-dns').inspect()).State.StartedAt;
  await dns.getByRole('button', { name: 'Restart' }).click();
  await expect
    .poll(async () => (await engine!.docker.getContainer('cell-dns').inspect()).State.StartedAt)
    .not.toBe(startedBefore);
  await dns.getByRole('button', { name: 'Logs' }).click();
  const logs = page.getByTestId('logs');
  await expect(logs.getByText(/^standin .* started/)).toHaveCount(2);
  await expect(logs.getByText('stopping')).toHaveCount(1);

  // Live follow: a SIGUSR1 sent to the container shows up without reloading.
  await page.getByLabel('Follow live').check();
  await expect(logs.getByText(/^standin .* started/)).toHaveCount(2);
  await engine!.docker.getContainer('cell-dns').kill({ signal: 'SIGUSR1' });
  await expect(logs.getByText('got SIGUSR1')).toHaveCount(1);
  await page.screenshot({ path: info.outputPath('logs.png') });
  await page.getByRole('button', { name: 'Close' }).click();

  // Stopping a core component says what stops working, and asks first.
  await table.locator('tr[data-name="cell-ntp"]').getByRole('button', { name: 'Stop' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Peers that take their time from the cell stop being served.');
  await dialog.getByRole('button', { name: 'Stop cell-ntp' }).click();
  await expect(table.locator('tr[data-name="cell-ntp"]').getByTestId('state')).toHaveText('exited');
  await table.locator('tr[data-name="cell-ntp"]').getByRole('button', { name: 'Start' }).click();
  await expect(table.locator('tr[data-name="cell-ntp"]').getByTestId('state')).toHaveText('running');
});

test('a pull from an unreachable registry ends with its reason', async ({ page }) => {
  await signInAdmin(page);
  await page.goto('/containers');
  await page.getByLabel('Pull an image').fill('127.0.0.1:9/nothing/here:1');
  await page.getByRole('button', { name: 'Pull', exact: true }).click();
  await expect(page.getByTestId('pull')).toContainText(/Pull failed: .*(connection refused|dial tcp)/);
  await page.getByLabel('Pull an image').fill('Not An Image!');
  await page.getByRole('button', { name: 'Pull', exact: true }).click();
  await expect(page.getByTestId('images')).toContainText('An image like caddy:2.10-alpine');
});
