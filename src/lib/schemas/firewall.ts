import { z } from 'zod';
import { blankToNull, blankToUndefined, cidr, ipAddress, serviceName } from './common';

export { groupIds, serviceName } from './common';

/** The cell's own services a peer can be allowed to use; store services add their names later. */
export const CORE_SERVICES = ['dns', 'ntp', 'web'] as const;
export type CoreService = (typeof CORE_SERVICES)[number];
export const SERVICE_INFO: Record<CoreService, { label: string; summary: string }> = {
  dns: { label: 'DNS', summary: 'Names in the cell and on the internet (port 53)' },
  ntp: { label: 'Time (NTP)', summary: "The cell's clock (UDP 123)" },
  web: { label: 'Web app and routes', summary: 'The admin app, the portal and the proxied sites (80, 443)' },
};

export const groupName = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(40, 'At most 40 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'Letters, digits, spaces, underscore, hyphen and dot only');

const serviceList = z.array(serviceName).max(64, 'At most 64 services');

/** A group hands its members a whole policy; custom networks are a peer's own. */
export const GROUP_ROUTING_POLICIES = ['full', 'cell'] as const;
const groupRoutingPolicy = z.enum(GROUP_ROUTING_POLICIES, {
  error: 'Choose full or cell (custom networks are set per peer)',
});

export const createGroupSchema = z.object({
  name: groupName,
  peerToPeer: z.boolean().default(false),
  services: serviceList.default([...CORE_SERVICES]),
  routingPolicy: z.preprocess(blankToNull, groupRoutingPolicy.nullable()).default(null),
});
export type CreateGroup = z.output<typeof createGroupSchema>;
export type CreateGroupInput = z.input<typeof createGroupSchema>;

export const updateGroupSchema = z.object({
  id: z.number().int().positive(),
  name: groupName.optional(),
  peerToPeer: z.boolean().optional(),
  services: serviceList.optional(),
  routingPolicy: z.preprocess(blankToNull, groupRoutingPolicy.nullable()).optional(),
});
export type UpdateGroup = z.output<typeof updateGroupSchema>;

const id = z.number().int().positive();

/** `443`, `80,443`, `8000-8100` or a mix, at most 15 entries (what one iptables multiport rule takes). */
export const portList = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => p.trim());
    if (parts.length > 15) {
      ctx.addIssue({ code: 'custom', message: 'At most 15 ports or ranges' });
      return z.NEVER;
    }
    for (const p of parts) {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p);
      const lo = m ? Number(m[1]) : 0;
      const hi = m?.[2] ? Number(m[2]) : lo;
      if (!m || lo < 1 || hi > 65535 || hi < lo) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(p)} is not a port (1-65535) or a range like 8000-8100`,
        });
        return z.NEVER;
      }
    }
    return parts.join(',');
  });

export const ruleSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('any') }),
  z.object({ kind: z.literal('group'), groupId: id }),
  z.object({ kind: z.literal('peer'), peerId: id }),
  z.object({ kind: z.literal('cidr'), cidr }),
]);
export type RuleSource = z.output<typeof ruleSource>;

export const ruleDestination = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('service'), service: serviceName }),
  z.object({ kind: z.literal('peer'), peerId: id }),
  z.object({ kind: z.literal('cidr'), cidr }),
  z.object({ kind: z.literal('internet') }),
]);
export type RuleDestination = z.output<typeof ruleDestination>;

export const RULE_PROTOCOLS = ['any', 'tcp', 'udp', 'icmp'] as const;

const ruleFields = {
  source: ruleSource,
  destination: ruleDestination,
  protocol: z.enum(RULE_PROTOCOLS, { error: 'Choose any, tcp, udp or icmp' }).default('any'),
  ports: z.preprocess(blankToNull, portList.nullable()).default(null),
  action: z.enum(['allow', 'deny'], { error: 'Choose allow or deny' }),
  note: z.string().trim().max(200, 'At most 200 characters').default(''),
};

function portsNeedProtocol(v: { protocol?: string; ports?: string | null }, ctx: z.RefinementCtx) {
  if (v.ports && v.protocol !== 'tcp' && v.protocol !== 'udp')
    ctx.addIssue({ code: 'custom', path: ['ports'], message: 'Ports need the protocol tcp or udp' });
}

export const createRuleSchema = z
  .object({ ...ruleFields, position: z.number().int().min(1).optional() })
  .superRefine(portsNeedProtocol);
export type CreateRule = z.output<typeof createRuleSchema>;
export type CreateRuleInput = z.input<typeof createRuleSchema>;

export const updateRuleSchema = z.object({
  id,
  source: ruleSource.optional(),
  destination: ruleDestination.optional(),
  protocol: z.enum(RULE_PROTOCOLS).optional(),
  ports: z.preprocess(blankToNull, portList.nullable()).optional(),
  action: z.enum(['allow', 'deny']).optional(),
  note: z.string().trim().max(200, 'At most 200 characters').optional(),
});
export type UpdateRule = z.output<typeof updateRuleSchema>;

export const moveRuleSchema = z.object({ id, position: z.number().int().min(1) });

export const testSchema = z.object({
  source: z.union([z.object({ peerId: id }).strict(), z.object({ groupId: id }).strict(), z.object({ cidr }).strict()]),
  destination: z.union([
    z.object({ service: serviceName }).strict(),
    z.object({ peerId: id }).strict(),
    z
      .object({
        address: ipAddress,
        port: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
        protocol: z.enum(['tcp', 'udp', 'icmp']).default('tcp'),
      })
      .strict(),
  ]),
});
export type TestInput = z.output<typeof testSchema>;
