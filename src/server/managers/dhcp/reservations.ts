/** Fixed addresses for LAN devices, each with a `.cell` name held in the registry. */
import { eq } from 'drizzle-orm';
import type { ReservationInput } from '@/lib/schemas/dhcp';
import type { Db } from '../../db';
import { dhcpReservations } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { changed, outcomeValue } from '../../runtime/changes';
import type { ConfigApply } from '../config-apply';
import { assertNameFree, holdName, releaseOwner, type NameOwner } from '../names';
import { applyDhcp } from './apply';
import { sameLan } from './settings';
import { dhcpRow, listReservations } from './state';
import { runtimeOf } from '../../runtime/runtime';

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

export async function createReservation(db: Db, input: ReservationInput, now = runtimeOf(db).clock()) {
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
