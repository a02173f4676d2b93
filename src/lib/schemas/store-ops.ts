import { z } from 'zod';
import { manifestId } from './store';

/** An installed instance: `<manifest id>` or `<manifest id>-<n>`. */
export const instanceId = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'An installed service id like calendar or tor-2');

export const installSchema = z.object({
  id: manifestId,
  /** Answers to the manifest's questions, checked against them by the store. */
  answers: z.record(z.string(), z.union([z.string().max(4096), z.number()])).default({}),
});

export const removeSchema = z.object({ instanceId, keepData: z.boolean() });
export const updateSchema = z.object({ instanceId });
export const operationSchema = z.object({ operationId: z.uuid('Not an operation id') });
/** One installed instance, by its id. */
export const instanceSchema = z.object({ instanceId });
export const accountsSchema = instanceSchema;
export const resetAccountSchema = z.object({ instanceId, peerId: z.number().int().positive() });
/** A peer's own account on one service, by the service's id. */
export const resetServicePasswordSchema = z.object({ service: instanceId });
/** A service's DNS records for the public side; `check` asks public DNS whether it has them. */
export const recordsSchema = z.object({ instanceId, check: z.boolean().default(false) });
