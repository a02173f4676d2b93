/**
 * Peers' accounts on installed services. A peer has one on a service while it has a portal
 * login and the firewall lets it use the service. The cell writes the service's account
 * files (`account-files.ts`) or runs its account commands (`account-commands.ts`). A password
 * is generated, kept only as a bcrypt hash, and shown once: to the peer in the portal, or to
 * the admin on the service page.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { serviceAccounts } from '../../db/schema';
import { InvalidStateError, NotFoundError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { randomPassword } from '../accounts';
import { instanceFiles, putFiles } from './account-files';
import { runCommands, setPasswordByCommand } from './account-commands';
import { accountInstances, accountOf, enabledPeers, hashPassword, settleRows } from './account-rows';

export { forgetPut } from './account-files';
export { accountsOfPeer, listAccounts } from './account-rows';

const serially = serialQueue('store.accounts');

export interface AccountsOutcome {
  state: 'applied' | 'pending';
  reason?: string;
  /** Per instance: its usable accounts, whether its files were put again, and why it waits if it does. */
  instances: { id: string; accounts: number; put: boolean; waiting?: string }[];
}

async function syncNow(db: Db, only?: string): Promise<AccountsOutcome> {
  await settleRows(db);
  const items = accountInstances(db).filter((i) => !only || i.row.id === only);
  if (!items.length) return { state: 'applied', instances: [] };
  const { engine } = runtimeOf(db);
  if (!(await engine.status()).reachable)
    return {
      state: 'pending',
      reason: 'the engine cannot be reached',
      instances: items.map((i) => ({
        id: i.row.id,
        accounts: db.transaction((tx) => instanceFiles(tx, i)).accounts,
        put: false,
        waiting: 'the engine',
      })),
    };
  const docker = await engine.client();
  const instances: AccountsOutcome['instances'] = [];
  for (const item of items) {
    if (item.accounts.kind === 'exec') {
      instances.push({ id: item.row.id, put: false, ...(await runCommands(db, engine, item)) });
      continue;
    }
    const { entries, accounts } = db.transaction((tx) => instanceFiles(tx, item));
    instances.push({ id: item.row.id, accounts, ...(await putFiles(engine, docker, item, entries)) });
  }
  const waiting = instances.find((i) => i.waiting);
  return waiting
    ? { state: 'pending', reason: `${waiting.id}: ${waiting.waiting}`, instances }
    : { state: 'applied', instances };
}

/**
 * Brings every service's accounts in line with the logins and the firewall: rows made and
 * dropped, files put where they changed, commands run. A service whose container is not
 * there yet waits.
 */
export const syncAccounts = (db: Db, only?: string) => serially(() => syncNow(db, only));

/** A new password for a peer's account on a service, returned once and kept only as its hash. */
export function resetAccountPassword(db: Db, instanceId: string, peerId: number) {
  return serially(async () => {
    // The account may be due but not made yet (a login just given): the rows first, then one sync after.
    await settleRows(db);
    const account = accountOf(db, instanceId, peerId);
    if (!enabledPeers(db).get(peerId))
      throw new InvalidStateError(`${account.username}'s peer is disabled: enable it before setting a password`);
    const item = accountInstances(db).find((i) => i.row.id === instanceId);
    if (!item) throw new NotFoundError(`No installed service ${instanceId}`);
    const password = randomPassword(20);
    const passwordHash = await hashPassword(password);
    const { engine } = runtimeOf(db);
    if (item.accounts.kind === 'exec') await setPasswordByCommand(db, engine, item, account, password);
    db.update(serviceAccounts)
      .set({ passwordHash, passwordShownAt: runtimeOf(db).clock() })
      .where(eq(serviceAccounts.id, account.id))
      .run();
    const outcome = await syncNow(db, instanceId);
    return { username: account.username, password, applied: outcome.state === 'applied' };
  });
}
