import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { cellApi, rowAction, signIn } from './cell-api';
import { FIREWALL_NETNS_TAG } from './e2e-env';
import { configurePeer, inNs, makeLab, requireTools, startWireguardGo, statusInNs, type Lab } from '../helpers/netns';

/**
 * Cell H applies its tunnel and firewall to a real wireguard-go interface in a namespace of
 * this suite's own (`PIC_WG_NETNS`); a peer namespace connects with the config the cell
 * hands out. The admin builds a group, puts the peer in it, and watches the tester and the
 * kernel's counters agree.
 */
test.describe.configure({ mode: 'serial' });

const ready = requireTools(
  'the firewall end-to-end suite',
  ['ip', 'iptables', 'wg', 'wg-quick', 'wireguard-go', 'ping'],
  'apt-get install wireguard-tools wireguard-go iptables iproute2 iputils-ping',
);
test.skip(!ready, 'needs root, wireguard-go and iptables');

const PASSWORD = 'correct horse battery';
let lab: Lab;
let peerId = 0;

test.beforeAll(async ({ request, baseURL }) => {
  lab = makeLab(FIREWALL_NETNS_TAG);
  await startWireguardGo(lab.cell, 'wgh0');
  await inNs(lab.cell, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'wgh0']);
  await inNs(lab.cell, ['ip', 'link', 'set', 'wgh0', 'up']);
  // The cell network behind the tunnel: routed (so tunnel traffic to it is forwarded), no one home.
  await inNs(lab.cell, ['ip', 'link', 'add', 'cellnet', 'type', 'veth', 'peer', 'name', 'cellnet1']);
  await inNs(lab.cell, ['ip', 'link', 'set', 'cellnet1', 'up']);
  await inNs(lab.cell, ['ip', 'addr', 'add', '172.20.0.1/16', 'dev', 'cellnet']);
  await inNs(lab.cell, ['ip', 'link', 'set', 'cellnet', 'up']);
  execFileSync('ip', ['netns', 'exec', lab.cell, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await startWireguardGo(lab.peer, 'wgh1');

  const api = cellApi(request, baseURL!);
  expect((await api.setup({ cellName: 'fw' })).status()).toBe(200);
  expect((await api.login('admin', PASSWORD)).status()).toBe(200);
  const csrf = { 'x-csrf-token': await api.csrf() };
  const update = await api.mutate('wireguard.update', { endpointHost: lab.cellIp, listenPort: 51997 }, csrf);
  expect(update.status()).toBe(200);
  const created = await api.mutate('peers.create', { name: 'kid-phone', routingPolicy: 'cell' }, csrf);
  expect(created.status()).toBe(200);
  peerId = ((await created.json()) as { result: { data: { json: { id: number } } } }).result.data.json.id;
  const config = await api.query('peers.config', { id: peerId });
  await configurePeer(
    lab.peer,
    'wgh1',
    ((await config.json()) as { result: { data: { json: string } } }).result.data.json,
  );
});

test.afterAll(() => lab?.destroy());

test('a group without the web app, a peer in it, the tester says deny, and the counters move with traffic', async ({
  page,
}) => {
  await signIn(page, 'admin', PASSWORD);
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/firewall');

  // A group whose members may use DNS only.
  const form = page.getByRole('form', { name: 'New group' });
  await form.getByLabel('Group name').fill('kids');
  await form.getByRole('checkbox', { name: 'Web app and routes' }).uncheck();
  await form.getByRole('checkbox', { name: 'Time (NTP)' }).uncheck();
  await form.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByTestId('group-kids')).toContainText('peer chooses');
  await expect(page.getByLabel('kids may use web')).not.toBeChecked();
  // The change waits for confirmation; keeping it ends the countdown.
  await expect(page.getByTestId('confirm-countdown')).toContainText('Keep them within');
  await page.getByRole('button', { name: 'Keep these rules' }).click();
  await expect(page.getByTestId('confirm-countdown')).toHaveCount(0);

  // The peer joins the group from its edit form.
  await page.goto('/peers');
  await rowAction(page, 'kid-phone', 'Edit');
  await page.getByRole('dialog').getByRole('checkbox', { name: 'kids' }).check();
  await page.getByRole('dialog').getByRole('button', { name: 'Save peer' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.goto('/firewall');
  await expect(page.getByTestId('group-kids')).toContainText('kid-phone');

  // "Can kid-phone reach the web app?": no, and the rule that decides is named.
  const tester = page.getByRole('form', { name: 'Reach tester' });
  await tester.getByRole('combobox', { name: 'Source', exact: true }).selectOption({ label: 'kid-phone' });
  await tester.getByRole('combobox', { name: 'Destination', exact: true }).selectOption('web');
  await tester.getByRole('button', { name: 'Test' }).click();
  await expect(page.getByTestId('tester-answer')).toContainText('Deny');
  await expect(page.getByTestId('tester-answer')).toContainText('the cell network beyond the services allowed');
  await tester.getByRole('combobox', { name: 'Destination', exact: true }).selectOption('dns');
  await tester.getByRole('button', { name: 'Test' }).click();
  await expect(page.getByTestId('tester-answer')).toContainText('Allow');

  // Traffic from the peer through the tunnel: the kernel counts it on the peer's rule.
  const row = page.getByTestId('effective-PIC-FORWARD-2');
  await expect(row).toContainText('peer kid-phone');
  await expect(row.getByTestId('packets')).toHaveText('0');
  for (let i = 0; i < 3; i++) await statusInNs(lab.peer, ['ping', '-c', '1', '-W', '1', '172.20.0.9']);
  await expect(row.getByTestId('packets')).not.toHaveText('0', { timeout: 15_000 });
});
