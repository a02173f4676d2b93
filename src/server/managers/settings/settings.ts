/** The settings row: the cell's name, time zone and preferences, and what a change touches. */
import { eq } from 'drizzle-orm';
import { DOMAIN_MODE_INFO, effectiveDomain } from '@/lib/domain-modes';
import type { UpdateSettingsInput } from '@/lib/schemas/settings';
import type { Db } from '../../db';
import { settings } from '../../db/schema';
import { InvalidStateError, ValidationError } from '../../errors';
import { encryptSecret } from '../../runtime/secrets';
import { CELL_OWNER, holdName } from '../names';
import { changed, type ChangeKind } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';

type SettingsRow = typeof settings.$inferSelect;

function publicView(row: SettingsRow) {
  const { ddnsTokenEnc, ...rest } = row;
  return { ...rest, hasToken: ddnsTokenEnc !== null };
}

function row(db: Db): SettingsRow {
  const r = db.select().from(settings).where(eq(settings.id, 1)).get();
  if (!r) throw new InvalidStateError('The cell is not set up yet');
  return r;
}

export function getSettings(db: Db) {
  return publicView(row(db));
}

type ParsedUpdate = Omit<UpdateSettingsInput, 'domain' | 'ddnsToken'> & { domain?: string; ddnsToken?: string };

/**
 * The settings change itself, synchronous so that a caller can make it one transaction with
 * its own writes (the domain page). Returns the row before and after.
 */
export function writeSettings(
  db: Db,
  input: ParsedUpdate,
  now = runtimeOf(db).clock(),
): { before: SettingsRow; after: SettingsRow } {
  const current = row(db);
  if (input.cellName !== current.cellName)
    holdName(db, input.cellName, CELL_OWNER, { to: 'cell' }, { field: 'cellName', now });
  const info = DOMAIN_MODE_INFO[input.domainMode];
  const modeChanged = input.domainMode !== current.domainMode;
  // A token belongs to its provider: switching provider needs a new one.
  let ddnsTokenEnc: string | null = current.ddnsTokenEnc;
  if (input.ddnsToken) ddnsTokenEnc = encryptSecret(input.ddnsToken, 'settings.ddns_token_enc');
  else if (modeChanged) ddnsTokenEnc = null;
  if (!info.token) ddnsTokenEnc = null;
  if (info.token && !ddnsTokenEnc) throw new ValidationError(`${info.tokenLabel} is required`, 'ddnsToken');

  const updated = db
    .update(settings)
    .set({
      cellName: input.cellName,
      timezone: input.timezone,
      domainMode: input.domainMode,
      domain: effectiveDomain(input.domainMode, input.cellName, input.domain),
      ddnsTokenEnc,
      updatedAt: now,
    })
    .where(eq(settings.id, 1))
    .returning()
    .get();
  return { before: current, after: updated };
}

/** What a settings change touched: a new name, domain or mode renames the cell's DNS names (the old zone goes) and Caddy's hosts. */
export function settingsChanges({ before, after }: { before: SettingsRow; after: SettingsRow }): ChangeKind[] {
  if (after.cellName !== before.cellName) return ['cell', 'names'];
  return after.domain !== before.domain ||
    after.domainMode !== before.domainMode ||
    after.ddnsTokenEnc !== before.ddnsTokenEnc
    ? ['cell']
    : [];
}

export async function updateSettings(db: Db, input: ParsedUpdate, now = runtimeOf(db).clock()) {
  const change = db.transaction((tx) => writeSettings(tx as unknown as Db, input, now), { behavior: 'immediate' });
  await changed(db, settingsChanges(change), { wait: true });
  return publicView(change.after);
}
