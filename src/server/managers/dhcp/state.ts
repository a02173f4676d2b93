/** DHCP's tables: the LAN settings (one row, off by default) and the reservations. */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { dhcpReservations, dhcpSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';

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

export function ensureDhcp(db: DbOrTx, now = runtimeOf(db).clock()): void {
  db.insert(dhcpSettings)
    .values({ id: 1, ...DEFAULTS, updatedAt: now })
    .onConflictDoNothing()
    .run();
}

export function dhcpRow(db: DbOrTx) {
  const row = db.select().from(dhcpSettings).where(eq(dhcpSettings.id, 1)).get();
  if (!row) throw new InvalidStateError('DHCP is not configured yet: complete setup first');
  return row;
}

export function listReservations(db: DbOrTx) {
  return db.select().from(dhcpReservations).orderBy(dhcpReservations.name).all();
}
