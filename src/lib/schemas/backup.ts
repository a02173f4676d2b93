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

/** The secret key of a recipient an archive was locked for, as `age-keygen` writes it. */
export const ageSecretKey = z
  .string()
  .trim()
  .regex(
    /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/,
    'An age secret key: AGE-SECRET-KEY-1 and 58 more letters and digits',
  );

export const restoreInput = z
  .strictObject({
    /** A backup of this cell's list. */
    id: z.string().uuid().optional(),
    /** An archive uploaded through `POST /api/backups/upload`. */
    uploadId: z.string().uuid().optional(),
    passphrase: z.string().min(1).max(1024).optional(),
    /** For an archive locked for a recipient; without it and a passphrase, the cell's own key is tried. */
    secretKey: ageSecretKey.optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.id === undefined) === (r.uploadId === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: 'Give the backup (id) or the upload (uploadId), one of them',
      });
    if (r.passphrase !== undefined && r.secretKey !== undefined)
      ctx.addIssue({ code: 'custom', path: ['secretKey'], message: 'A passphrase or a secret key, not both' });
  });
