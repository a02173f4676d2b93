import { z } from 'zod';

/** An age X25519 public key, as `age-keygen -y` prints it. */
export const ageRecipient = z
  .string()
  .trim()
  .regex(
    /^age1[02-9ac-hj-np-z]{58}$/,
    'An age public key: age1 and 58 more letters and digits, as age-keygen -y prints it',
  );

export const createBackupInput = z.strictObject({
  /** Locks the archive; without it, the recipient of the backup settings does. */
  passphrase: z.string().max(1024).optional(),
});

export const backupId = z.strictObject({ id: z.string().uuid() });
export const backupOperationInput = z.strictObject({ operationId: z.string().uuid() });

const keep = (max: number) => z.number().int().min(0).max(max);

export const backupSettingsInput = z
  .strictObject({
    recipient: ageRecipient.nullable(),
    scheduled: z.boolean(),
    hour: z.number().int().min(0).max(23),
    keepDaily: keep(366),
    keepWeekly: keep(104),
    keepMonthly: keep(120),
  })
  .superRefine((s, ctx) => {
    if (s.scheduled && !s.recipient)
      ctx.addIssue({
        code: 'custom',
        path: ['recipient'],
        message: 'Scheduled backups are locked for a recipient: set one',
      });
    if (s.scheduled && s.keepDaily + s.keepWeekly + s.keepMonthly === 0)
      ctx.addIssue({ code: 'custom', path: ['keepDaily'], message: 'Keep at least one scheduled backup' });
  });

export type BackupSettingsInput = z.infer<typeof backupSettingsInput>;
