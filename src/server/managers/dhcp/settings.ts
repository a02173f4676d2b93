/** The LAN's DHCP settings: read, and changed with the stack following (cell-dhcp on or off). */
import { eq } from 'drizzle-orm';
import { parseIpv4 } from '@/lib/cidr';
import type { UpdateDhcp } from '@/lib/schemas/dhcp';
import type { Db } from '../../db';
import { dhcpSettings, stackComponents } from '../../db/schema';
import { ConflictError } from '../../errors';
import { changed, outcomeValue } from '../../runtime/changes';
import { configState } from '../config-apply';
import { applyDhcp } from './apply';
import { dhcpRow, listReservations } from './state';
import { runtimeOf } from '../../runtime/runtime';

export function getDhcp(db: Db) {
  const { id: _id, ...row } = dhcpRow(db);
  return { ...row, applyState: configState(db, 'dhcp') };
}

const n = (s: string) => parseIpv4(s)!;
export const sameLan = (row: { rangeStart: string; netmask: string }, address: string) =>
  (n(address) & n(row.netmask)) >>> 0 === (n(row.rangeStart) & n(row.netmask)) >>> 0;

export async function updateDhcp(db: Db, input: UpdateDhcp, now = runtimeOf(db).clock()) {
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
