import { completeSetupSchema, setupStepSchemas, validateStepSchema } from '@/lib/schemas/setup';
import { ValidationError } from '../errors';
import { checkName } from '../managers/domain';
import { completeSetup, isSetupComplete, setupCodeRequired, setupStatus } from '../managers/setup';
import { publicProcedure, router, setupProcedure } from '../trpc';

export const setupRouter = router({
  /** Whether setup is done, and whether this caller must give the setup code (it is not on the host). */
  status: publicProcedure.query(({ ctx }) => ({
    ...setupStatus(ctx.db),
    codeRequired: !isSetupComplete(ctx.db) && setupCodeRequired(ctx.clientAddress),
  })),

  /** The wizard's first step from another machine: the gate above checks the code; this changes nothing. */
  checkCode: setupProcedure.meta({ access: 'setup', audit: false }).mutation(() => ({ ok: true as const })),

  /** Server-side check of one wizard step with the same schema the form uses. Changes nothing. */
  validateStep: setupProcedure
    .meta({ access: 'setup', audit: false })
    .input(validateStepSchema)
    .mutation(async ({ ctx, input }) => {
      const parsed = setupStepSchemas[input.step].safeParse(input.data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ValidationError(issue?.message ?? 'Invalid', issue?.path.join('.') || undefined);
      }
      // A pic.ngo name must be free before the wizard moves on (an unreachable pic.ngo does not block).
      const cellName = typeof input.data.cellName === 'string' ? input.data.cellName : null;
      if (input.step === 'domain' && input.data.domainMode === 'pic_ngo' && cellName) {
        const check = await checkName(ctx.db, cellName, ctx.clientAddress);
        if (!check.available)
          throw new ValidationError(
            `${check.name} is already taken: choose another cell name or another mode`,
            'domainMode',
          );
      }
      return { ok: true as const };
    }),

  complete: setupProcedure.input(completeSetupSchema).mutation(({ ctx, input }) => completeSetup(ctx.db, input)),
});
