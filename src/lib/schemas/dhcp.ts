/** DHCP settings and reservations as the Network Services page edits them. */
import { z } from 'zod';
import { parseIpv4 } from '../cidr';
import { dnsLabel, ipv4Address } from './common';

const ipv4Number = (s: string) => parseIpv4(s) ?? 0;

/** Netmask of contiguous ones, like 255.255.255.0. */
const netmask = ipv4Address.refine((s) => {
  const n = ipv4Number(s);
  const inv = ~n >>> 0;
  return (inv & (inv + 1)) === 0 && n !== 0;
}, 'A netmask like 255.255.255.0');

export const updateDhcpInput = z
  .object({
    enabled: z.boolean(),
    interface: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'An interface name like eth0 (at most 15 characters)'),
    rangeStart: ipv4Address,
    rangeEnd: ipv4Address,
    netmask,
    leaseSeconds: z
      .number()
      .int('Whole seconds')
      .min(120, 'At least 2 minutes (120 seconds)')
      .max(7 * 86400, 'At most 7 days'),
    gateway: ipv4Address.nullable().or(z.literal('').transform(() => null)),
    dnsServer: ipv4Address,
  })
  .superRefine((v, ctx) => {
    const mask = ipv4Number(v.netmask);
    const net = (s: string) => (ipv4Number(s) & mask) >>> 0;
    if (ipv4Number(v.rangeEnd) < ipv4Number(v.rangeStart))
      ctx.addIssue({ code: 'custom', path: ['rangeEnd'], message: 'The range ends before it starts' });
    if (net(v.rangeStart) !== net(v.rangeEnd))
      ctx.addIssue({
        code: 'custom',
        path: ['rangeEnd'],
        message: `${v.rangeEnd} is not in the same network as ${v.rangeStart} with netmask ${v.netmask}`,
      });
    for (const key of ['gateway', 'dnsServer'] as const) {
      const value = v[key];
      if (value && net(value) !== net(v.rangeStart))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${value} is outside the LAN ${v.rangeStart}/${v.netmask}`,
        });
    }
  });
export type UpdateDhcp = z.output<typeof updateDhcpInput>;

export const reservationInput = z.object({
  mac: z
    .string()
    .trim()
    .toLowerCase()
    .transform((s) => s.replace(/-/g, ':'))
    .refine((s) => /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(s), 'A MAC address like aa:bb:cc:dd:ee:ff')
    .refine((s) => (parseInt(s.slice(0, 2), 16) & 1) === 0, 'A multicast MAC address cannot be reserved'),
  address: ipv4Address,
  name: dnsLabel,
});
export type ReservationInput = z.output<typeof reservationInput>;
