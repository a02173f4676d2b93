/**
 * A stand-in for the server under a kill -9 during a restore: opens the cell's data directory
 * and restores the backup named on its command line. Before each step it prints `step <name>`
 * and waits a moment, so the test can kill it there or in the step. Prints `done` at the end.
 * Run with `node --import tsx`.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDb } from '../../src/server/db';
import { backupOperationDone, getBackupOperation, restoreBackup } from '../../src/server/managers/backup';

const [id, passphrase] = process.argv.slice(2) as [string, string];
const db = openDb(path.join(process.env.PIC_DATA_DIR!, 'cell.db'));

async function main() {
  const { operationId } = await restoreBackup(db, {
    id,
    key: { passphrase },
    beforeStep: async (name) => {
      process.stdout.write(`step ${name}\n`);
      await sleep(40);
    },
  });
  await backupOperationDone(operationId);
  const op = getBackupOperation(db, operationId);
  process.stdout.write(op.state === 'succeeded' ? 'done\n' : `failed ${op.error}\n`);
}
void main();
