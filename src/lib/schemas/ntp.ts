/** NTP settings as the Network Services page edits them. */
import { z } from 'zod';
import { hostOrAddress } from './common';

export const ntpSource = z.object({
  kind: z.enum(['server', 'pool'], { error: 'server or pool' }),
  host: hostOrAddress,
  iburst: z.boolean().default(true),
});

export const DEFAULT_NTP_SOURCES: z.output<typeof ntpSource>[] = [
  { kind: 'pool', host: 'pool.ntp.org', iburst: true },
  { kind: 'server', host: 'time.cloudflare.com', iburst: true },
];

export const updateNtpInput = z
  .object({
    sources: z
      .array(ntpSource)
      .max(10, 'At most 10 sources')
      .refine((a) => new Set(a.map((s) => s.host)).size === a.length, 'Each host once'),
    /** Served when no upstream answers (1–15); null turns the fallback off. */
    localStratum: z.number().int('A whole number').min(1, 'At least 1').max(15, 'At most 15').nullable(),
  })
  .refine((v) => v.sources.length > 0 || v.localStratum !== null, {
    path: ['sources'],
    message: 'Add an upstream or keep the local stratum fallback',
  });
export type UpdateNtp = z.output<typeof updateNtpInput>;
