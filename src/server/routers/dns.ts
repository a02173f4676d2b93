import {
  listRecordsInput,
  lookupInput,
  recordId,
  recordInput,
  updateDnsSettingsInput,
  updateRecordInput,
} from '@/lib/schemas/dns';
import {
  createRecord,
  getDnsSettings,
  listRecords,
  lookupName,
  removeRecord,
  updateDnsSettings,
  updateRecord,
} from '../managers/dns';
import { adminProcedure, router } from '../trpc';

export const dnsRouter = router({
  records: adminProcedure.input(listRecordsInput).query(({ ctx, input }) => listRecords(ctx.db, input?.search)),
  createRecord: adminProcedure.input(recordInput).mutation(({ ctx, input }) => createRecord(ctx.db, input)),
  updateRecord: adminProcedure.input(updateRecordInput).mutation(({ ctx, input }) => updateRecord(ctx.db, input)),
  removeRecord: adminProcedure.input(recordId).mutation(({ ctx, input }) => removeRecord(ctx.db, input.id)),
  settings: adminProcedure.query(({ ctx }) => getDnsSettings(ctx.db)),
  updateSettings: adminProcedure
    .input(updateDnsSettingsInput)
    .mutation(({ ctx, input }) => updateDnsSettings(ctx.db, input)),
  lookup: adminProcedure.input(lookupInput).query(({ ctx, input }) => lookupName(ctx.db, input.name, input.type)),
});
