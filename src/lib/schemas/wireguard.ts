import { z } from 'zod';
import { cidrSize, isRfc1918, isUla, parseCidr, type Cidr } from '../cidr';
import { blankToNull, cidr, hostOrAddress, ipAddress, port } from './common';

const asCidr = (s: string) => parseCidr(s) as Cidr;

export const tunnelSubnet = cidr
  .refine(
    (s) => asCidr(s).family === 4 && isRfc1918(asCidr(s)),
    'Must be a private IPv4 block (10/8, 172.16/12 or 192.168/16)',
  )
  .refine((s) => asCidr(s).prefix >= 16 && asCidr(s).prefix <= 29, 'Prefix length must be between /16 and /29');

export const tunnelSubnet6 = cidr
  .refine((s) => isUla(asCidr(s)), 'Must be an IPv6 unique local block (fc00::/7), like fd12:3456:789a::/64')
  .refine((s) => asCidr(s).prefix >= 48 && asCidr(s).prefix <= 112, 'Prefix length must be between /48 and /112');

export const updateWireguardSchema = z.object({
  listenPort: port.optional(),
  subnet: tunnelSubnet.optional(),
  subnet6: z.preprocess(blankToNull, tunnelSubnet6.nullable()).optional(),
  endpointHost: z.preprocess(blankToNull, hostOrAddress.nullable()).optional(),
  endpointPort: z.preprocess(blankToNull, port.nullable()).optional(),
  dns: z.array(ipAddress).max(4, 'At most 4 DNS servers').optional(),
  mtu: z
    .preprocess(blankToNull, z.number().int().min(1280, 'At least 1280').max(1500, 'At most 1500').nullable())
    .optional(),
  persistentKeepalive: z.number().int().min(0, '0 turns it off').max(3600, 'At most 3600 seconds').optional(),
  /** Changing the subnet while peers exist moves every peer to the new block; it needs this. */
  confirmReaddress: z.boolean().optional(),
});
export type UpdateWireguardInput = z.input<typeof updateWireguardSchema>;
export type UpdateWireguard = z.output<typeof updateWireguardSchema>;

/** How many peers fit: the block minus network, broadcast and the cell's own address. */
export function peerCapacity(subnet: string): number {
  return Number(cidrSize(asCidr(subnet))) - 3;
}
