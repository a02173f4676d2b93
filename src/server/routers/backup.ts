import {
  backupId,
  backupOperationInput,
  backupSettingsInput,
  createBackupInput,
  restoreInput,
} from '@/lib/schemas/backup';
import {
  createBackup,
  deleteBackup,
  getBackupOperation,
  getBackupSettings,
  listBackups,
  restoreBackup,
  updateBackupSettings,
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
});
