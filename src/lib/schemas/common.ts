import { z } from 'zod';

/** A single DNS label: lowercase letters, digits and hyphens, 1–63, no hyphen at either end. */
export const dnsLabel = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(63, 'At most 63 characters')
  .regex(/^[a-z0-9-]+$/, 'Only lowercase letters, digits and hyphens')
  .refine((s) => !s.startsWith('-') && !s.endsWith('-'), 'Cannot start or end with a hyphen');

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A fully qualified domain name (lowercased), at least two labels, 253 characters at most. */
export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(253, 'At most 253 characters')
  .refine((s) => s.split('.').length >= 2, 'Needs at least two labels, like example.org')
  .refine((s) => s.split('.').every((l) => LABEL.test(l)), 'Each label: letters, digits and inner hyphens, 1–63 characters');

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
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'Lowercase letters, digits, dot, underscore and hyphen; starts with a letter or digit');

export const newPassword = z.string().min(12, 'At least 12 characters').max(256, 'At most 256 characters');

/** A provider API token: printable, no whitespace. */
export const providerToken = z
  .string()
  .trim()
  .min(8, 'At least 8 characters')
  .max(512, 'At most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'Printable characters only, no spaces');

export const pagination = {
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
};
