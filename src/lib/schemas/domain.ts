import { z } from 'zod';
import { dnsLabel, domainName } from './common';
import { domainFields } from './setup';

/** Tests serve address sources on loopback over plain HTTP (`PIC_OUTBOUND_ALLOW_LOOPBACK=1` on the server). */
const loopbackAllowed = () => typeof process !== 'undefined' && process.env?.PIC_OUTBOUND_ALLOW_LOOPBACK === '1';

/** Literal hosts the cell never calls: loopback, link-local, unspecified. Names are checked when they resolve. */
function literalRefused(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return !loopbackAllowed();
  if (/^127\.|^0\.|^169\.254\./.test(h)) return !(loopbackAllowed() && h.startsWith('127.'));
  return h === '::1' || h === '::' || /^fe[89ab][0-9a-f]:/.test(h);
}

const url = z
  .string()
  .trim()
  .max(300, 'At most 300 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && loopbackAllowed());
    } catch {
      return false;
    }
  }, 'An https:// URL like https://api.ipify.org')
  .refine((s) => {
    try {
      return !literalRefused(new URL(s).hostname);
    } catch {
      return true;
    }
  }, 'Not a loopback or link-local address: the cell does not call itself');

export const ddnsInput = z.object({
  sources: z
    .array(url)
    .min(2, 'At least two sources, so one wrong answer cannot move the name')
    .max(5, 'At most 5 sources')
    .optional(),
  /** dyndns2 (No-IP and others) for the http01 and lan modes; null removes it. */
  dyndns2: z
    .object({
      server: url,
      username: z
        .string()
        .trim()
        .min(1, 'Required')
        .max(128)
        .regex(/^[\x21-\x7e]+$/, 'No spaces'),
      password: z.string().max(256).optional(),
      hostname: domainName,
    })
    .nullable()
    .optional(),
});

/** Settings → Domain: the mode with its domain and token, the ACME contact, and dynamic DNS. */
export const updateDomainInput = z.intersection(
  domainFields,
  z.object({
    acmeEmail: z
      .string()
      .trim()
      .max(254)
      .transform((s) => s || null)
      .refine(
        (s) => s === null || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
        'An email address for certificate expiry notices',
      )
      .nullable()
      .optional(),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
    ddns: ddnsInput.optional(),
  }),
);

export const checkNameInput = z.object({ name: dnsLabel });
