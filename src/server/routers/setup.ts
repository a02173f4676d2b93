import { completeSetupSchema, setupStepSchemas, validateStepSchema } from '@/lib/schemas/setup';
import { ValidationError } from '../errors';
import { completeSetup, setupStatus } from '../managers/setup';
import { publicProcedure, router, setupProcedure } from '../trpc';

export const setupRouter = router({
  status: publicProcedure.query(({ ctx }) => setupStatus(ctx.db)),

  /** Server-side check of one wizard step with the same schema the form uses. Changes nothing. */
  validateStep: setupProcedure
    .meta({ access: 'setup', audit: false })
    .input(validateStepSchema)
    .mutation(({ input }) => {
      const parsed = setupStepSchemas[input.step].safeParse(input.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ValidationError(issue?.message ?? 'Invalid', issue?.path.join('.') || undefined);
      }
      return { ok: true as const };
    }),

  complete: setupProcedure.input(completeSetupSchema).mutation(({ ctx, input }) => completeSetup(ctx.db, input)),
});
