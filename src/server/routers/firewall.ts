import { z } from 'zod';
import { createRuleSchema, moveRuleSchema, testSchema, updateRuleSchema } from '@/lib/schemas/firewall';
import {
  confirmChange,
  createRule,
  effectiveRules,
  listRules,
  moveRule,
  firewallStatus,
  removeRule,
  testReach,
  updateRule,
  knownServices,
} from '../managers/firewall';
import { adminProcedure, router } from '../trpc';

const id = z.object({ id: z.number().int().positive() });

/** The admin's rules, the effective rule set with live counters, the tester and commit-confirm. */
export const firewallRouter = router({
  rules: router({
    list: adminProcedure.query(({ ctx }) => listRules(ctx.db)),
    create: adminProcedure
      .input(createRuleSchema)
      .mutation(({ ctx, input }) => createRule(ctx.db, input, ctx.clientAddress)),
    update: adminProcedure
      .input(updateRuleSchema)
      .mutation(({ ctx, input }) => updateRule(ctx.db, input, ctx.clientAddress)),
    move: adminProcedure
      .input(moveRuleSchema)
      .mutation(({ ctx, input }) => moveRule(ctx.db, input.id, input.position, ctx.clientAddress)),
    remove: adminProcedure.input(id).mutation(({ ctx, input }) => removeRule(ctx.db, input.id, ctx.clientAddress)),
  }),
  effective: adminProcedure.query(({ ctx }) => effectiveRules(ctx.db)),
  status: adminProcedure.query(({ ctx }) => firewallStatus(ctx.db)),
  confirm: adminProcedure.mutation(({ ctx }) => confirmChange(ctx.db)),
  test: adminProcedure.input(testSchema).query(({ ctx, input }) => testReach(ctx.db, input)),
  /** The services groups and rules may name: the core ones and those installed from the store. */
  services: adminProcedure.query(({ ctx }) => knownServices(ctx.db)),
});
