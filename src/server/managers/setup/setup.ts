/** The wizard's one transaction: the cell's identity, its first admin and every domain's rows. */
import { eq } from 'drizzle-orm';
import { effectiveDomain } from '@/lib/domain-modes';
import type { CompleteSetup } from '@/lib/schemas/setup';
import type { Db, DbOrTx } from '../../db';
import { settings } from '../../db/schema';
import { ConflictError } from '../../errors';
import { encryptSecret } from '../../runtime/secrets';
import { assertStrongPassword, createAccount, hashPassword } from '../accounts';
import { enableChosenServices, ensureStack } from '../containers';
import { applyAll } from '../../runtime/changes';
import { processWide } from '../../runtime/process-wide';
import { ensureDdns } from '../ddns';
import { ensureDhcp } from '../dhcp';
import { ensureDns } from '../dns';
import { ensureNtp } from '../ntp';
import { ensureRoutes } from '../routes';
import { CELL_OWNER, holdName } from '../names';
import { ensureServer } from '../wireguard';
import { runtimeOf } from '../../runtime/runtime';
import { dropSetupCode } from './code';

/** The rows every domain needs: at setup, and at start for cells set up before a domain existed. */
export function ensureDomains(db: DbOrTx, now = runtimeOf(db).clock()): void {
  ensureServer(db, now);
  ensureStack(db, now);
  ensureRoutes(db, now);
  ensureDdns(db, now);
  ensureDns(db, now);
  ensureNtp(db, now);
  ensureDhcp(db, now);
}

type SetupListener = (db: Db) => void;
const setupListeners = processWide('setup.listeners', (): SetupListener[] => []);

/** Work the server starts once setup completes (the certificate authority); tests register none. */
export function onSetupComplete(listener: SetupListener): void {
  setupListeners.push(listener);
}

// Setup can never be undone, so once seen complete it stays complete for that connection.
const completeSeen = new WeakSet<object>();

export function isSetupComplete(db: Db): boolean {
  if (completeSeen.has(db)) return true;
  const row = db.select({ id: settings.id }).from(settings).where(eq(settings.id, 1)).get();
  if (row) completeSeen.add(db);
  return Boolean(row);
}

export function setupStatus(db: Db) {
  return { complete: isSetupComplete(db) };
}

/**
 * Completes the wizard: the cell's identity and its first admin, in one transaction.
 * The settings row has the fixed id 1, so of two concurrent completions (even from
 * two processes) exactly one inserts and the other gets CONFLICT.
 */
export async function completeSetup(db: Db, input: CompleteSetup, now = runtimeOf(db).clock()) {
  if (isSetupComplete(db)) throw new ConflictError('Setup is already complete');
  await assertStrongPassword(input.adminPassword, [input.adminUsername, input.cellName], 'adminPassword');
  const passwordHash = await hashPassword(input.adminPassword);
  const ddnsTokenEnc = input.ddnsToken ? encryptSecret(input.ddnsToken, 'settings.ddns_token_enc') : null;
  const domain = effectiveDomain(input.domainMode, input.cellName, input.domain);
  try {
    db.transaction(
      (tx) => {
        if (tx.select({ id: settings.id }).from(settings).where(eq(settings.id, 1)).get()) {
          throw new ConflictError('Setup is already complete');
        }
        tx.insert(settings)
          .values({
            id: 1,
            cellName: input.cellName,
            domainMode: input.domainMode,
            domain,
            ddnsTokenEnc,
            timezone: input.timezone,
            services: [...new Set(input.services)],
            setupCompletedAt: now,
            updatedAt: now,
          })
          .run();
        holdName(tx, input.cellName, CELL_OWNER, { to: 'cell' }, { field: 'cellName', now });
        createAccount(tx, { username: input.adminUsername, passwordHash, role: 'admin' }, now);
        ensureDomains(tx, now);
        enableChosenServices(tx, input.services, now);
      },
      { behavior: 'immediate' },
    );
  } catch (err) {
    if (err instanceof ConflictError) throw err;
    if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT'))
      throw new ConflictError('Setup is already complete');
    throw err;
  }
  completeSeen.add(db);
  dropSetupCode(db);
  await applyAll(db);
  for (const listener of setupListeners) listener(db);
  return { cellName: input.cellName, domain, adminUsername: input.adminUsername };
}
