/**
 * DHCP for the cell's LAN, off by default. Turning it on adds cell-dhcp to the stack;
 * each reservation also gets a `.cell` name.
 */
import { eq } from 'drizzle-orm';
import { parseIpv4 } from '@/lib/cidr';
import type { ReservationInput, UpdateDhcp } from '@/lib/schemas/dhcp';
import type { Db, DbOrTx } from '../../db';
import { dhcpReservations, dhcpSettings, stackComponents } from '../../db/schema';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../errors';
import { applyConfig, configState, type ConfigApply } from '../config-apply';
import { changed, outcomeValue } from '../../runtime/changes';
import { assertNameFree, holdName, releaseOwner, type NameOwner } from '../names';
import { renderDnsmasqConf } from './render';

const DEFAULTS = {
  enabled: false,
  interface: 'eth0',
  rangeStart: '192.168.1.100',
  rangeEnd: '192.168.1.200',
  netmask: '255.255.255.0',
  leaseSeconds: 12 * 3600,
  gateway: '192.168.1.1',
  dnsServer: '192.168.1.2',
};

export function ensureDhcp(db: DbOrTx, now = new Date()): void {
  db.insert(dhcpSettings)
    .values({ id: 1, ...DEFAULTS, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

function dhcpRow(db: DbOrTx) {
  const row = db.select().from(dhcpSettings).where(eq(dhcpSettings.id, 1)).get();
  if (!row) throw new InvalidStateError('DHCP is not configured yet: complete setup first');
  return row;
}

export function listReservations(db: DbOrTx) {
  return db.select().from(dhcpReservations).orderBy(dhcpReservations.name).all();
}

export function dnsmasqFiles(db: Db): Map<string, string> {
  const row = dhcpRow(db);
  const conf = renderDnsmasqConf({ ...row, domain: 'cell', reservations: listReservations(db) });
  return new Map([['dnsmasq.conf', conf]]);
}

/** Writes `config/dhcp/dnsmasq.conf` and restarts cell-dhcp when it changed. */
export function applyDhcp(db: Db): Promise<ConfigApply> {
  return applyConfig(db, 'dhcp', () => ({ files: dnsmasqFiles(db), reload: 'restart' }));
}

export function getDhcp(db: Db) {
  const { id: _id, ...row } = dhcpRow(db);
  return { ...row, applyState: configState(db, 'dhcp') };
}

const n = (s: string) => parseIpv4(s)!;
const sameLan = (row: { rangeStart: string; netmask: string }, address: string) =>
  (n(address) & n(row.netmask)) >>> 0 === (n(row.rangeStart) & n(row.netmask)) >>> 0;

export async function updateDhcp(db: Db, input: UpdateDhcp, now = new Date()) {
  db.transaction((tx) => {
    const outside = listReservations(tx).find((r) => !sameLan(input, r.address));
    if (outside)
      throw new ConflictError(
        `Reservation ${outside.name} (${outside.address}) would be outside the new LAN: change or remove it first`,
        'rangeStart',
      );
    tx.update(dhcpSettings)
      .set({ ...input, updatedAt: now })
      .where(eq(dhcpSettings.id, 1))
      .run();
    tx.update(stackComponents)
      .set({ enabled: input.enabled, updatedAt: now })
      .where(eq(stackComponents.component, 'dhcp'))
      .run();
  });
  const apply = await applyDhcp(db);
  // Turning DHCP on or off adds or removes cell-dhcp and publishes DNS on the LAN address.
  const { stack } = await changed(db, ['lan'], { wait: true });
  return { ...getDhcp(db), apply, stack: outcomeValue(stack) };
}

/** DHCP's own apply, and DNS for the device's name. */
async function applied(db: Db) {
  const apply = await applyDhcp(db);
  const { dns } = await changed(db, ['names'], { wait: true });
  return { apply, dns: outcomeValue<ConfigApply>(dns) };
}

const deviceOwner = (r: { id: number; name: string }): NameOwner => ({
  kind: 'device',
  ref: String(r.id),
  description: `device ${r.name} (DHCP reservation)`,
});

export async function createReservation(db: Db, input: ReservationInput, now = new Date()) {
  const row = db.transaction(
    (tx) => {
      const settings = dhcpRow(tx);
      if (!sameLan(settings, input.address))
        throw new ValidationError(
          `${input.address} is outside the LAN ${settings.rangeStart}/${settings.netmask}`,
          'address',
        );
      if (input.address === settings.dnsServer || input.address === settings.gateway)
        throw new ConflictError(
          `${input.address} is the ${input.address === settings.gateway ? 'gateway' : "cell's own"} address`,
          'address',
        );
      const taken = listReservations(tx);
      const mac = taken.find((r) => r.mac === input.mac);
      if (mac) throw new ConflictError(`${input.mac} is already reserved for ${mac.name}`, 'mac');
      const address = taken.find((r) => r.address === input.address);
      if (address) throw new ConflictError(`${input.address} is already reserved for ${address.name}`, 'address');
      assertNameFree(tx, input.name, undefined, 'name');
      const inserted = tx
        .insert(dhcpReservations)
        .values({ ...input, createdAt: now })
        .returning()
        .get();
      holdName(tx, inserted.name, deviceOwner(inserted), { to: 'ip', address: inserted.address }, { now });
      return inserted;
    },
    { behavior: 'immediate' },
  );
  return { ...row, ...(await applied(db)) };
}

export async function removeReservation(db: Db, id: number) {
  const row = db.transaction((tx) => {
    const removed = tx.delete(dhcpReservations).where(eq(dhcpReservations.id, id)).returning().get();
    if (removed) releaseOwner(tx, deviceOwner(removed));
    return removed;
  });
  if (!row) throw new NotFoundError(`Reservation ${id} not found`);
  return { ...row, ...(await applied(db)) };
}
