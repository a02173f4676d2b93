import { updateSettingsSchema } from '@/lib/schemas/settings';
import { getSettings, updateSettings } from '../managers/settings';
import { adminProcedure, router } from '../trpc';

export const settingsRouter = router({
  get: adminProcedure.query(({ ctx }) => getSettings(ctx.db)),
  update: adminProcedure.input(updateSettingsSchema).mutation(({ ctx, input }) => updateSettings(ctx.db, input)),
});
