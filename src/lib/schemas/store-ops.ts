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

/** The part of an alias before the @. */
const aliasName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/,
    'Letters, digits, dot, underscore and hyphen, starting and ending with a letter or digit',
  );

const aliasTargets = {
  peerIds: z.array(z.number().int().positive()).max(200, 'At most 200 peers').default([]),
  groupIds: z.array(z.number().int().positive()).max(32, 'At most 32 groups').default([]),
};

const someTarget = (a: { peerIds: number[]; groupIds: number[] }) => a.peerIds.length + a.groupIds.length > 0;
const targetMessage = { message: 'Choose at least one peer or group', path: ['peerIds'] };

export const aliasCreateSchema = z
  .object({ instanceId, name: aliasName, ...aliasTargets })
  .refine(someTarget, targetMessage);
export const aliasUpdateSchema = z
  .object({ id: z.number().int().positive(), ...aliasTargets })
  .refine(someTarget, targetMessage);
export const aliasIdSchema = z.object({ id: z.number().int().positive() });
export type AliasCreate = z.infer<typeof aliasCreateSchema>;
export type AliasUpdate = z.infer<typeof aliasUpdateSchema>;
