import { z } from 'zod';
import { cidrSize, isRfc1918, isUla, parseCidr, type Cidr } from '../cidr';
import { cidr, hostOrAddress, ipAddress, ipv4Address, newPassword, pagination, port, username, wgKey } from './common';

export const ROUTING_POLICIES = ['full', 'cell', 'custom'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

export const ROUTING_POLICY_INFO: Record<RoutingPolicy, { label: string; summary: string }> = {
  full: { label: 'Full tunnel', summary: 'All traffic goes through the cell.' },
  cell: { label: 'Cell only', summary: "Split tunnel: only the cell's own addresses go through it." },
  custom: { label: 'Custom', summary: 'Only the networks you list go through the cell.' },
};

/** Peer names become DNS names and appear in config comments: a strict alphabet. */
export const peerName = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64, 'At most 64 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'Letters, digits, underscore, hyphen and dot only');

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

/** Empty strings from forms mean "not set". */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

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

const allowedIpsList = z.array(cidr).min(1, 'List at least one network').max(64, 'At most 64 networks');

const expiry = z.coerce.date({ error: 'Not a date' });

export const createPeerSchema = z
  .object({
    name: peerName,
    routingPolicy: z.enum(ROUTING_POLICIES, { error: 'Choose full, cell or custom' }),
    address: z.preprocess(blankToUndefined, ipv4Address.optional()),
    allowedIps: allowedIpsList.optional(),
    presharedKey: z.boolean().default(true),
    expiresAt: z.preprocess(blankToUndefined, expiry.optional()),
    publicKey: z.preprocess(blankToUndefined, wgKey.optional()),
    peerToPeer: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    if (v.routingPolicy === 'custom' && !v.allowedIps?.length) {
      ctx.addIssue({ code: 'custom', path: ['allowedIps'], message: 'A custom policy needs at least one network' });
    }
  });
export type CreatePeerInput = z.input<typeof createPeerSchema>;
export type CreatePeer = z.output<typeof createPeerSchema>;

export const peerId = z.object({ id: z.number().int().positive() });

export const updatePeerSchema = z.object({
  id: z.number().int().positive(),
  name: peerName.optional(),
  address: z.preprocess(blankToUndefined, ipv4Address.optional()),
  routingPolicy: z.enum(ROUTING_POLICIES).optional(),
  allowedIps: allowedIpsList.optional(),
  presharedKey: z.boolean().optional(),
  expiresAt: z.preprocess(blankToNull, expiry.nullable()).optional(),
  peerToPeer: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type UpdatePeer = z.output<typeof updatePeerSchema>;

export const PEER_SORTS = ['name', 'address', 'createdAt', 'expiresAt'] as const;
export const listPeersSchema = z.object({
  search: z.string().trim().max(64).optional(),
  sort: z.enum(PEER_SORTS).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  ...pagination,
});
export type ListPeersInput = z.input<typeof listPeersSchema>;

export const setPeerEnabledSchema = z.object({ id: z.number().int().positive(), enabled: z.boolean() });

export const createLoginSchema = z
  .object({
    peerId: z.number().int().positive(),
    username,
    mode: z.enum(['password', 'link']),
    password: z.preprocess(blankToUndefined, newPassword.optional()),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'password' && !v.password)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'Set an initial password' });
  });

export const claimLinkSchema = z
  .object({ token: z.string().min(20).max(100), password: newPassword, confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'Passwords do not match' });

/** How many peers fit: the block minus network, broadcast and the cell's own address. */
export function peerCapacity(subnet: string): number {
  return Number(cidrSize(asCidr(subnet))) - 3;
}
