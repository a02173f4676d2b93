import { z } from 'zod';
import { hostOrAddress, port } from './common';

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

/** The password of an off-site target: a new one, null for none, or left out to keep the stored one. */
const offsitePassword = z.string().min(1, 'Required').max(1024, 'At most 1024 characters').nullable().optional();

const remoteUser = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(128, 'At most 128 characters')
  .regex(/^[^\s:@/\\]+$/, 'No spaces, colons, @ or slashes');

/** An SSH host key fingerprint as `ssh-keygen -lf` prints it. */
export const sshFingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint such as SHA256: and 43 characters, as ssh-keygen -lf prints it');

/** A folder on the SFTP server: relative to the login folder, or absolute; no `..`. */
const remoteFolder = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(512, 'At most 512 characters')
  .refine((p) => ![...p].some((c) => c < ' ' || c === '\x7f'), 'No control characters')
  .refine((p) => !p.split('/').includes('..'), 'No .. in the folder');

export const webdavTarget = z.strictObject({
  kind: z.literal('webdav'),
  /** The folder the archives go to; it is made if it is not there. */
  url: z
    .string()
    .trim()
    .max(2048, 'At most 2048 characters')
    .url('A URL such as https://dav.example.org/backups/')
    .refine((u) => /^https?:\/\//i.test(u), 'An https:// URL')
    .refine((u) => !/[?#]/.test(u), 'No query or fragment: the folder only')
    .refine((u) => !new URL(u).username && !new URL(u).password, 'Give the user name and password in their fields')
    .transform((u) => (u.endsWith('/') ? u : `${u}/`)),
  username: remoteUser,
  password: offsitePassword,
});

const sftpFields = {
  kind: z.literal('sftp'),
  host: hostOrAddress,
  port: port.default(22),
  username: remoteUser,
  path: remoteFolder,
  password: offsitePassword,
};

/** Saved settings trust one host key; a test may go without one, to see the server's. */
export const offsiteInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  webdavTarget,
  z.strictObject({ ...sftpFields, hostKey: sshFingerprint }),
]);
export const offsiteTestInput = z.discriminatedUnion('kind', [
  webdavTarget,
  z.strictObject({ ...sftpFields, hostKey: sshFingerprint.optional() }),
]);
export type OffsiteInput = z.infer<typeof offsiteInput>;
export type OffsiteTestInput = z.infer<typeof offsiteTestInput>;

/** An archive's name on the off-site target: the cell's own names and uploads' (`….age`), never a path. */
export const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.age$/;
export const fetchOffsiteInput = z.strictObject({
  name: z.string().regex(ARCHIVE_NAME, 'An archive name ending in .age, without a folder'),
});
