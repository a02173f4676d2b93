/**
 * The Services page on cell I: Radicale (built from Debian's packages) offered by a signed
 * index, its image signed in a local registry. Installed from the page with its steps shown
 * as they run, opened, removed keeping its data, installed again: the calendar is still there.
 */
import fs from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { bundledManifests } from '../../src/server/managers/store';
import { debianImages, DEBIAN_IMAGE_TOOLS } from '../helpers/debian-images';
import { ENGINE_TOOLS, startEngine, startRegistry, type TestEngine } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { publishImage, serveIndex } from '../helpers/registry';
import { cellApi, signIn } from './cell-api';
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

test.beforeAll(async ({ request, baseURL }) => {
  test.skip(!ready, 'no container engine tools');
  test.setTimeout(600_000);
  engine = await startEngine(E2E_STORE.dir);
  registry = await startRegistry(E2E_STORE.registryPort);
  const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const built = await debianImages(engine, ['radicale']);
  const image = await publishImage(
    engine.docker,
    registry.address,
    built.PIC_STORE_RADICALE!,
    'pic/radicale',
    '3.1.8',
    publisher.privateKey,
  );
  for (const i of await engine.docker.listImages()) await engine.docker.getImage(i.Id).remove({ force: true });
  index = await serveIndex(E2E_STORE.indexPort);
  index.offer([{ ...bundledManifests().find((m) => m.id === 'calendar')!, version: '3.1.8', image }]);
  fs.mkdirSync(KEYS, { recursive: true });
  fs.writeFileSync(`${KEYS}/index.pub`, index.pem);
  fs.writeFileSync(`${KEYS}/cosign.pub`, publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const r = await cellApi(request, baseURL!).setup({ cellName: 'shop' });
  expect(r.status()).toBe(200);
});

test.afterAll(async () => {
  index?.close();
  registry?.stop();
  await engine?.destroy();
  fs.rmSync(KEYS, { recursive: true, force: true });
});

/** Installs the calendar from the Services page and waits for its steps to finish. */
async function installCalendar(page: Page, volumes: string) {
  await page.getByRole('link', { name: 'Services', exact: true }).click();
  const card = page.getByTestId('service-calendar');
  await expect(card).toContainText('version 3.1.8');
  await card.getByRole('button', { name: 'Install' }).click();
  const dialog = page.getByRole('dialog', { name: 'Install Calendar and contacts' });
  await dialog.getByRole('button', { name: 'Install' }).click();
  const op = dialog.getByTestId('operation');
  // Every step is listed while it runs, each with its state.
  for (const step of ['validate', 'verify', 'pull', 'volumes', 'container', 'names', 'routes', 'health'])
    await expect(op.getByTestId(`step-${step}`)).toBeVisible();
  await expect(op).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(op.getByTestId('step-verify')).toContainText('signed by environment key 1');
  await expect(op.getByTestId('step-health')).toContainText('healthy');
  await expect(op.getByTestId('step-volumes')).toContainText(volumes);
  await dialog.getByRole('link', { name: 'Open calendar' }).click();
  await expect(page).toHaveURL(/\/services\/calendar$/);
  await expect(page.getByTestId('container-state')).toContainText('running');
}

/** CalDAV straight to the container on the cell network. */
const dav = (method: string, path: string, body?: string) =>
  fetch(`http://${ADDRESS}:5232/alice/family/${path}`, {
    method,
    body,
    headers: {
      authorization: `Basic ${Buffer.from('alice:dinner-at-eight').toString('base64')}`,
      ...(body ? { 'content-type': 'text/calendar' } : {}),
    },
  });

test('install Radicale from the Services page, remove it keeping its data, install again: the data is there', async ({
  page,
}, info) => {
  test.setTimeout(300_000);
  await signIn(page, 'admin', 'correct horse battery');
  await expect(page).toHaveURL(/\/dashboard$/);
  await installCalendar(page, '2 made');
  await expect(page.getByText('calendar.cell', { exact: true })).toBeVisible();
  await page.screenshot({ path: info.outputPath('service.png'), fullPage: true });

  // An account (what the accounts of a later step will write) and an event in a new calendar.
  const script = `import bcrypt;open('/config/users','a').write('alice:'+bcrypt.hashpw(b'dinner-at-eight',bcrypt.gensalt()).decode()+'\\n')`;
  const exec = await engine!.docker.getContainer('cell-svc-calendar').exec({ Cmd: ['python3', '-c', script] });
  await exec.start({ hijack: false, stdin: false });
  await expect.poll(async () => (await exec.inspect()).ExitCode).toBe(0);
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

  await installCalendar(page, '0 made, 2 kept from before');
  const back = await dav('GET', 'kept.ics');
  expect(back.status).toBe(200);
  expect(await back.text()).toContain('SUMMARY:Kept across installs');
});
