import { z } from 'zod';
import { pagination } from './common';

export const AUDIT_OUTCOMES = ['success', 'refused', 'error', 'started'] as const;

export const auditListSchema = z
  .object({
    actor: z.string().trim().max(64).optional(),
    procedure: z.string().trim().max(128).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    from: z.date().optional(),
    to: z.date().optional(),
    /** Only changes to this peer: by its id, and its creation by its name. */
    peer: z.object({ id: z.number().int().positive(), name: z.string().max(64) }).optional(),
    ...pagination,
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: 'Must not be before "from"' });
export type AuditListInput = z.input<typeof auditListSchema>;
