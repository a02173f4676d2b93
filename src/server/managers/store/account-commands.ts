/**
 * Accounts a service makes with its own commands (mail's `setup email add …`): argument arrays
 * run in its container with the placeholders filled, never a shell string. An account is
 * made with a password nobody knows (a reset shows one), given another unknown one while its
 * peer is disabled, and removed by the remove command before its row goes. One the service
 * has already (its data kept from before) is given the password instead of being made again.
 * Error messages name the command, never its arguments: one of them is a password.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { serviceAccounts } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { EngineUnavailableError, type Engine } from '../../runtime/docker';
import { cellFacts } from '../cell';
import { enabledPeers, rowsOf, unknownPassword, type AccountInstance, type AccountRow } from './account-rows';
import { syncAliases } from './aliases';
import { fillPlaceholders, serviceContainer } from './model';

type ExecAccounts = Extract<AccountInstance['accounts'], { kind: 'exec' }>;

/** A command of the service that failed: said to whoever asked, by command and exit, never its arguments. */
class CommandError extends InvalidStateError {}

/** Runs one of the service's commands with its placeholders filled; `who` names it in a failure. */
function executor(db: Db, engine: Engine, item: AccountInstance) {
  const domain = cellFacts(db).domain;
  const container = serviceContainer(item.row.id);
  return async (argv: readonly string[], values: Record<string, string>, who: string) => {
    const done = await engine.exec(
      container,
      argv.map((a) => fillPlaceholders(a, { domain, instance: item.row.id, ...values })),
    );
    if (done.exitCode !== 0)
      throw new CommandError(
        `${item.row.id}: ${argv.slice(0, 3).join(' ')} for ${who} exited ${done.exitCode}: ${done.stderr.trim().slice(0, 160)}`,
      );
  };
}

function runner(db: Db, engine: Engine, item: AccountInstance) {
  const exec = executor(db, engine, item);
  const domain = cellFacts(db).domain;
  return (argv: readonly string[], account: AccountRow, password?: string) =>
    exec(
      argv,
      { user: account.username, email: `${account.username}@${domain}`, ...(password ? { password } : {}) },
      account.username,
    );
}

/**
 * Makes the account with this password. One the service has already (its data kept from an
 * install the cell no longer knows of) refuses to be made again: it is given the password.
 */
const make = (run: ReturnType<typeof runner>, commands: ExecAccounts, account: AccountRow, password: string) =>
  run(commands.create, account, password).catch(async (err: unknown) => {
    if (!(err instanceof CommandError) || !commands.setPassword) throw err;
    await run(commands.setPassword, account, password).catch(() => Promise.reject(err));
  });

const setRow = (db: Db, id: number, set: Partial<AccountRow>) =>
  db.update(serviceAccounts).set(set).where(eq(serviceAccounts.id, id)).run();

/** Brings the service's own accounts in line with the rows; returns how many are usable, or why it waits. */
export async function runCommands(
  db: Db,
  engine: Engine,
  item: AccountInstance,
): Promise<{ accounts: number; waiting?: string }> {
  const commands = item.accounts as ExecAccounts;
  const run = runner(db, engine, item);
  const enabled = enabledPeers(db);
  let usable = 0;
  try {
    for (const a of rowsOf(db, item.row.id)) {
      if (a.removing) {
        if (a.applied !== null) await run(commands.remove, a);
        db.delete(serviceAccounts).where(eq(serviceAccounts.id, a.id)).run();
        continue;
      }
      const on = a.peerId !== null && enabled.get(a.peerId) === true;
      if (a.applied === null) {
        await make(run, commands, a, unknownPassword());
        setRow(db, a.id, { applied: on ? 'made' : 'locked' });
      } else if (!on && a.applied === 'made') {
        await (commands.disable
          ? run(commands.disable, a)
          : run(commands.setPassword ?? commands.create, a, unknownPassword()));
        setRow(db, a.id, { applied: 'locked' });
      }
      if (on) usable++;
    }
    if (commands.aliases) {
      const exec = executor(db, engine, item);
      await syncAliases(db, item.row.id, (argv, values) => exec(argv, values, values.alias!), commands.aliases);
    }
  } catch (err) {
    // The container is not there or not running, or a command failed: the next pass tries again.
    if (err instanceof EngineUnavailableError || err instanceof CommandError)
      return { accounts: usable, waiting: err.message };
    throw err;
  }
  return { accounts: usable };
}

/** Gives the account the password a reset made: through the service's command, made first if it is not yet. */
export async function setPasswordByCommand(
  db: Db,
  engine: Engine,
  item: AccountInstance,
  account: AccountRow,
  password: string,
): Promise<void> {
  const commands = item.accounts as ExecAccounts;
  const run = runner(db, engine, item);
  if (account.applied === null) await make(run, commands, account, password);
  else if (commands.setPassword) await run(commands.setPassword, account, password);
  else throw new InvalidStateError(`${item.row.id} has no command to change a password`);
  setRow(db, account.id, { applied: 'made' });
}
