import { z } from 'zod';
import { formatCidr, isCidr, parseAddress, parseCidr, parseIpv4, type CidrProblem } from '../cidr';

/** A single DNS label: lowercase letters, digits and hyphens, 1–63, no hyphen at either end. */
export const dnsLabel = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(63, 'At most 63 characters')
  .regex(/^[a-z0-9-]+$/, 'Only lowercase letters, digits and hyphens')
  .refine((s) => !s.startsWith('-') && !s.endsWith('-'), 'Cannot start or end with a hyphen');

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lowercase labels of letters, digits and inner hyphens; with `wildcard`, the leftmost may be `*`. */
export function isHostName(s: string, { wildcard = false } = {}): boolean {
  return (
    s.length > 0 && s.length <= 253 && s.split('.').every((l, i) => LABEL.test(l) || (wildcard && l === '*' && i === 0))
  );
}

/** A fully qualified domain name (lowercased), at least two labels, 253 characters at most. */
export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(253, 'At most 253 characters')
  .refine((s) => s.split('.').length >= 2, 'Needs at least two labels, like example.org')
  .refine((s) => isHostName(s), 'Each label: letters, digits and inner hyphens, 1–63 characters');

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length > 0 && !/[\s]/.test(tz);
  } catch {
    return false;
  }
}

export const timezone = z.string().trim().min(1, 'Required').refine(isValidTimezone, 'Not a known IANA time zone');

export const username = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(32, 'At most 32 characters')
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'Lowercase letters, digits, dot, underscore and hyphen; starts with a letter or digit',
  );

export const newPassword = z.string().min(12, 'At least 12 characters').max(256, 'At most 256 characters');

/** A provider API token: printable, no whitespace. */
export const providerToken = z
  .string()
  .trim()
  .min(8, 'At least 8 characters')
  .max(512, 'At most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'Printable characters only, no spaces')
  .refine((s) => !/[{}]/.test(s), 'No { or } (Caddy would read them as a placeholder)');

export const pagination = {
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
};

export const port = z
  .number({ error: 'A port number' })
  .int('A whole number')
  .min(1, 'At least 1')
  .max(65535, 'At most 65535');

/** A WireGuard key: 32 bytes in base64 (44 characters ending in `=`). */
export const wgKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'A WireGuard key is 44 characters of base64 ending in =');

/** A hostname (letters, digits, hyphens; any case, lowercased) or an IPv4/IPv6 address. */
export const hostOrAddress = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(253, 'At most 253 characters')
  .refine((s) => parseAddress(s) !== null || isHostName(s), 'A hostname like vpn.example.org or an IP address');

export const ipAddress = z
  .string()
  .trim()
  .refine((s) => parseAddress(s) !== null, 'Not an IP address');

export const ipv4Address = z
  .string()
  .trim()
  .refine((s) => parseIpv4(s) !== null, 'Not an IPv4 address like 10.0.0.5');

const CIDR_PROBLEM: Record<CidrProblem, string> = {
  syntax: 'Not a CIDR block like 10.0.0.0/24',
  prefix: 'The prefix length is too long for this address family',
  'host-bits': 'Host bits are set: use the network address',
};

/** A network block in CIDR notation, canonicalised (`10.0.0.0/24`, `fd00::/64`). */
export const cidr = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const c = parseCidr(s);
    if (!isCidr(c)) {
      ctx.addIssue({ code: 'custom', message: CIDR_PROBLEM[c] });
      return z.NEVER;
    }
    return formatCidr(c);
  });

/**
 * `host`, `host:port`, `[ipv6]`, `[ipv6]:port` or a bare IPv6 address (no port), split;
 * null when the port is not a number from 1 to 65535 or the brackets do not close. The one
 * parser for upstreams, resolvers and `PIC_DNS_SERVER`; callers judge the host.
 */
export function parseHostPort(s: string): { host: string; port: number | null; bracketed: boolean } | null {
  const m = /^\[([^\]]*)\](?::(\d+))?$/.exec(s) ?? /^([^:[\]]*)(?::(\d+))?$/.exec(s);
  if (!m) return s.includes('[') || !s.includes(':') ? null : { host: s, port: null, bracketed: false };
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && !(port >= 1 && port <= 65535)) return null;
  return { host: m[1]!, port, bracketed: s.startsWith('[') };
}

/** Empty strings from forms mean "not set". */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
export const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** A service name as the firewall knows it (`dns`, `ntp`, `web`, store services): lowercase letters, digits and hyphens. */
export const serviceName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'Lowercase letters, digits and hyphens, starting with a letter');

/** The peer groups a peer belongs to, by id. */
export const groupIds = z.array(z.number().int().positive()).max(32, 'At most 32 groups');
