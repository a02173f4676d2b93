import { z } from 'zod';
import { dnsLabel, timezone } from './common';
import { domainFields } from './setup';

/** Token omitted keeps the stored one; a new mode that needs a token and has none is refused. */
export const updateSettingsSchema = z.object({ cellName: dnsLabel, timezone }).and(domainFields);
export type UpdateSettingsInput = z.input<typeof updateSettingsSchema>;
