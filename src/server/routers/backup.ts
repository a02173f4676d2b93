import {
  backupId,
  backupOperationInput,
  backupSettingsInput,
  createBackupInput,
  fetchOffsiteInput,
  offsiteInput,
  offsiteTestInput,
  restoreInput,
} from '@/lib/schemas/backup';
import {
  copyBackupOffsite,
  fetchOffsite,
  listOffsiteArchives,
  createBackup,
  deleteBackup,
  getBackupOperation,
  getBackupSettings,
  getOffsite,
  listBackups,
  restoreBackup,
  testOffsite,
  updateBackupSettings,
  updateOffsite,
} from '../managers/backup';
import { adminProcedure, router } from '../trpc';

export const backupRouter = router({
  /** Starts a backup; it is verified restorable before its operation ends. */
  create: adminProcedure
    .input(createBackupInput)
    .mutation(({ ctx, input }) => createBackup(ctx.db, { passphrase: input.passphrase, trigger: 'manual' })),
  /** Checks the whole archive before anything changes; any failure after that puts the cell back as it was. */
  restore: adminProcedure.input(restoreInput).mutation(({ ctx, input }) =>
    restoreBackup(ctx.db, {
      id: (input.id ?? input.uploadId)!,
      key: input.passphrase
        ? { passphrase: input.passphrase }
        : input.secretKey
          ? { identity: input.secretKey }
          : undefined,
    }),
  ),
  list: adminProcedure.query(({ ctx }) => listBackups(ctx.db)),
  operation: adminProcedure
    .input(backupOperationInput)
    .query(({ ctx, input }) => getBackupOperation(ctx.db, input.operationId)),
  delete: adminProcedure.input(backupId).mutation(({ ctx, input }) => deleteBackup(ctx.db, input.id)),
  settings: adminProcedure.query(({ ctx }) => getBackupSettings(ctx.db)),
  updateSettings: adminProcedure
    .input(backupSettingsInput)
    .mutation(({ ctx, input }) => updateBackupSettings(ctx.db, input)),
  /** The off-site target (never its password) and the cell's SSH public key for SFTP servers. */
  offsite: adminProcedure.query(({ ctx }) => getOffsite(ctx.db)),
  /** Tries a target: a small file written, read back and removed; an SFTP server's key comes back to be trusted. */
  testOffsite: adminProcedure.input(offsiteTestInput).mutation(({ ctx, input }) => testOffsite(ctx.db, input)),
  /** Sends a verified backup to the off-site target again (after a failed copy, or to a new target). */
  copyOffsite: adminProcedure.input(backupId).mutation(({ ctx, input }) => copyBackupOffsite(ctx.db, input.id)),
  /** The archives on the off-site target, newest first. */
  offsiteArchives: adminProcedure.query(({ ctx }) => listOffsiteArchives(ctx.db)),
  /** Brings one back as an upload, to restore from as any upload (`restore {uploadId}`). */
  fetchOffsite: adminProcedure.input(fetchOffsiteInput).mutation(({ ctx, input }) => fetchOffsite(ctx.db, input.name)),
  /** Saves a target once it passed the same test. */
  updateOffsite: adminProcedure.input(offsiteInput).mutation(({ ctx, input }) => updateOffsite(ctx.db, input)),
});
