import { z } from 'zod';
import { parseAddress, parseIpv4, parseIpv6 } from '../cidr';
import { isHostName, parseHostPort } from './common';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A name relative to its zone: `@` for the apex, labels of RFC 1035 (underscores allowed for SRV and TXT owners). */
export const recordName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(200, 'At most 200 characters')
  .refine(
    (s) => s === '@' || s.split('.').every((l, i) => LABEL.test(l) || (l === '*' && i === 0)),
    'Labels of letters, digits, hyphens (and _ for service names), 1–63 characters each; @ for the zone itself',
  );

/** Control characters other than tab and line feed (which a TXT value may hold). */
const hasControlCharacter = (s: string) =>
  [...s].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f;
  });

/** A target name: relative to the zone, or absolute with a final dot. */
function isTarget(s: string): boolean {
  const body = s.endsWith('.') ? s.slice(0, -1) : s;
  return s === '@' || isHostName(body);
}

export const recordTtl = z
  .number({ error: 'A number of seconds' })
  .int('Whole seconds')
  .min(30, 'At least 30 seconds')
  .max(86400, 'At most one day (86400 seconds)');

/** Checks a value for its type; returns the problem, or null. */
export function recordValueProblem(type: RecordType, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'A':
      return parseIpv4(v) === null ? 'An IPv4 address like 10.0.0.5' : null;
    case 'AAAA':
      return parseIpv6(v) === null || v.includes('.') ? 'An IPv6 address like fd00::5' : null;
    case 'CNAME':
      return isTarget(v.toLowerCase())
        ? null
        : 'A name like www (in this zone) or host.example.org. (with the final dot)';
    case 'TXT':
      if (value.length === 0) return 'Required';
      if (Buffer.byteLength(value, 'utf8') > 4000) return 'At most 4000 bytes';
      return hasControlCharacter(value) ? 'No control characters' : null;
    case 'MX': {
      const m = /^(\d{1,5})\s+(\S+)$/.exec(v);
      if (!m || Number(m[1]) > 65535) return 'A preference and a host: 10 mail';
      return isTarget(m[2]!.toLowerCase()) ? null : 'The mail host must be a name like mail or mail.example.org.';
    }
    case 'SRV': {
      const m = /^(\d{1,5})\s+(\d{1,5})\s+(\d{1,5})\s+(\S+)$/.exec(v);
      if (!m || [m[1], m[2], m[3]].some((n) => Number(n) > 65535))
        return 'Priority, weight, port and target: 0 1 443 calendar';
      return isTarget(m[4]!.toLowerCase()) ? null : 'The target must be a name like calendar or host.example.org.';
    }
  }
}

export const recordInput = z
  .object({
    /** `cell`, or the cell's own domain. */
    zone: z.string().trim().toLowerCase().min(1, 'Required').max(253),
    name: recordName,
    type: z.enum(RECORD_TYPES, { error: `One of ${RECORD_TYPES.join(', ')}` }),
    value: z.string().max(4000, 'At most 4000 characters'),
    ttl: recordTtl.default(300),
  })
  .superRefine((r, ctx) => {
    const problem = recordValueProblem(r.type, r.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    // 255 octets on the wire is 253 characters written out without the final dot.
    const full = r.name === '@' ? r.zone : `${r.name}.${r.zone}`;
    if (full.length > 253)
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `${full.slice(0, 24)}… is ${full.length + 2} octets in all; a DNS name has at most 255`,
      });
  })
  .transform((r) => ({ ...r, value: r.type === 'TXT' ? r.value : r.value.trim().replace(/\s+/g, ' ').toLowerCase() }));
export type RecordInput = z.output<typeof recordInput>;

export interface ExistingRecord {
  id?: number;
  zone: string;
  name: string;
  type: RecordType;
  value: string;
  /** Automatic names (peers, the cell, services) are read-only and say who owns them. */
  owner?: string;
}

/**
 * The conflict a new or changed record would create, or null: a duplicate, a CNAME beside
 * other data for the same name, or a record that shadows an automatic name.
 */
export function recordConflict(
  candidate: ExistingRecord,
  existing: ExistingRecord[],
): { field: 'name' | 'value'; message: string } | null {
  const same = existing.filter(
    (e) =>
      (candidate.id === undefined || e.id !== candidate.id) && e.zone === candidate.zone && e.name === candidate.name,
  );
  const auto = same.find((e) => e.owner);
  if (auto) return { field: 'name', message: `${candidate.name}.${candidate.zone} belongs to ${auto.owner}` };
  if (same.some((e) => e.type === candidate.type && e.value === candidate.value)) {
    return { field: 'value', message: `The same ${candidate.type} record for ${candidate.name} already exists` };
  }
  if (candidate.type === 'CNAME' && same.length)
    return { field: 'name', message: `${candidate.name} already has other records; a CNAME must stand alone` };
  if (same.some((e) => e.type === 'CNAME'))
    return { field: 'name', message: `${candidate.name} is a CNAME; it cannot have other records` };
  return null;
}

export const recordId = z.object({ id: z.number().int().positive() });
export const updateRecordInput = z.intersection(recordId, recordInput);
export const listRecordsInput = z.object({ search: z.string().trim().max(100).optional() }).optional();

/** `1.1.1.1`, `9.9.9.9:5353`, `2606:4700::1111` or `[2606:4700::1111]:5353`. */
export const upstreamResolver = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(60)
  .refine((s) => {
    const p = parseHostPort(s);
    return p !== null && parseAddress(p.host) !== null;
  }, 'An IP address with an optional port: 1.1.1.1, 9.9.9.9:5353 or [2606:4700::1111]:53');

export const DEFAULT_UPSTREAMS = ['1.1.1.1', '9.9.9.9'];

export const updateDnsSettingsInput = z.object({
  upstreams: z
    .array(upstreamResolver)
    .min(1, 'At least one upstream resolver')
    .max(6, 'At most 6 upstream resolvers')
    .refine((a) => new Set(a).size === a.length, 'Each resolver once')
    .optional(),
  /** Null or empty: plain DNS to the upstreams. */
  tlsServerName: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .transform((s) => s || null)
    .refine((s) => s === null || isTarget(s), 'The name on the resolvers’ certificate, like cloudflare-dns.com')
    .nullable()
    .optional(),
  cache: z.boolean().optional(),
  logLevel: z.enum(['info', 'debug']).optional(),
  publicAddress: z
    .string()
    .trim()
    .transform((s) => s || null)
    .refine((s) => s === null || parseIpv4(s) !== null, 'An IPv4 address, or empty when unknown')
    .nullable()
    .optional(),
  publicAddress6: z
    .string()
    .trim()
    .toLowerCase()
    .transform((s) => s || null)
    .refine((s) => s === null || (parseIpv6(s) !== null && !s.includes('.')), 'An IPv6 address, or empty when unknown')
    .nullable()
    .optional(),
});
export type UpdateDnsSettings = z.output<typeof updateDnsSettingsInput>;

export const lookupInput = z.object({
  name: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, 'Required')
    .max(253, 'At most 253 characters')
    .transform((s) => s.replace(/\.$/, ''))
    .refine((s) => s.split('.').every((l) => LABEL.test(l)), 'A name like alice-phone.cell'),
  type: z.enum(RECORD_TYPES).default('A'),
});
