import { z } from 'zod';
import {
  blankToNull,
  blankToUndefined,
  cidr,
  groupIds,
  ipv4Address,
  newPassword,
  pagination,
  serviceName,
  username,
  wgKey,
} from './common';

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

const allowedIpsList = z.array(cidr).min(1, 'List at least one network').max(64, 'At most 64 networks');

const expiry = z.coerce.date({ error: 'Not a date' });

export const createPeerSchema = z
  .object({
    name: peerName,
    /** Optional when a chosen group sets one. */
    routingPolicy: z.enum(ROUTING_POLICIES, { error: 'Choose full, cell or custom' }).optional(),
    address: z.preprocess(blankToUndefined, ipv4Address.optional()),
    allowedIps: allowedIpsList.optional(),
    presharedKey: z.boolean().default(true),
    expiresAt: z.preprocess(blankToUndefined, expiry.optional()),
    publicKey: z.preprocess(blankToUndefined, wgKey.optional()),
    /** Null: its groups decide. */
    peerToPeer: z.boolean().nullable().optional(),
    /** The cell services it may use; null: its groups' (every service when it has none). */
    services: z.array(serviceName).max(64).nullable().default(null),
    groups: groupIds.default([]),
    enabled: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    if (!v.routingPolicy && !v.groups.length)
      ctx.addIssue({ code: 'custom', path: ['routingPolicy'], message: 'Choose full, cell or custom' });
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
  peerToPeer: z.boolean().nullable().optional(),
  services: z.array(serviceName).max(64).nullable().optional(),
  groups: groupIds.optional(),
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

export const TRAFFIC_RANGES = ['hour', 'day', 'week'] as const;
export type TrafficRange = (typeof TRAFFIC_RANGES)[number];

export const peerTrafficSchema = z.object({
  id: z.number().int().positive(),
  range: z.enum(TRAFFIC_RANGES, { error: 'Choose hour, day or week' }),
});
