import { z } from 'zod';
import { parseAddress } from '../cidr';
import { isHostName } from './common';

/** A DNS name (a leftmost `*` allowed) or an IP address. */
export const subjectAltName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(253, 'At most 253 characters')
  .refine(
    (s) => parseAddress(s) !== null || isHostName(s, { wildcard: true }),
    'A DNS name like nas.cell (*.example.org for a wildcard) or an IP address',
  );

export const REVOKE_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/** Each reason in words, for the revoke dialog and the certificate list. */
export const REVOKE_REASON_LABEL: Record<RevokeReason, string> = {
  unspecified: 'No reason given',
  keyCompromise: 'The key was exposed',
  affiliationChanged: 'The holder changed',
  superseded: 'Replaced by a new certificate',
  cessationOfOperation: 'No longer used',
  privilegeWithdrawn: 'Access withdrawn',
};

export const issueInput = z
  .object({
    commonName: z
      .string()
      .trim()
      .min(1, 'Required')
      .max(64, 'At most 64 characters')
      .regex(/^[A-Za-z0-9 ._@*-]+$/, 'Letters, digits, spaces and . _ @ * - only'),
    sans: z.array(subjectAltName).max(50, 'At most 50 names').default([]),
    kind: z.enum(['server', 'client']).default('server'),
    validityDays: z.number().int('Whole days').min(1, 'At least 1 day').max(825, 'At most 825 days').default(397),
  })
  .refine((v) => v.kind === 'client' || v.sans.length > 0 || subjectAltName.safeParse(v.commonName).success, {
    path: ['sans'],
    message: 'A server certificate needs at least one DNS name or address',
  });
export type IssueInput = z.output<typeof issueInput>;

export const certId = z.object({ id: z.number().int().positive() });
export const revokeInput = certId.extend({
  reason: z.enum(REVOKE_REASONS, { error: `One of ${REVOKE_REASONS.join(', ')}` }),
});
export const exportInput = z
  .object({
    id: z.number().int().positive(),
    format: z.enum(['pem', 'pkcs12']),
    password: z.string().max(128, 'At most 128 characters').optional(),
  })
  .refine((v) => v.format === 'pem' || (v.password?.length ?? 0) >= 8, {
    path: ['password'],
    message: 'A PKCS#12 file needs a password of at least 8 characters',
  });
