/**
 * The cell's command line, for the admin at the machine:
 *   npm run cell -- status                 what /api/health says (from the running server, or read locally)
 *   npm run cell -- reset-admin-password   a new random admin password, printed once
 *   npm run cell -- backup [--passphrase-file F]
 *                                          a verified backup; prints the archive's path
 *   npm run cell -- restore FILE [--passphrase-file F]
 *                                          the archive back in place (the server stopped first)
 *   npm run cell -- list-peers             name, address, state and last handshake of every peer
 *   npm run cell -- logs SERVICE [--follow] the cell's lines of a service (store, or cell.store.accounts)
 */
import fs from 'node:fs';
import path from 'node:path';
import { getDb } from '../src/server/db';
import { resetAdminPassword } from '../src/server/managers/accounts';
import { appendAudit } from '../src/server/managers/audit';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  listBackups,
  receiveUpload,
  restoreBackup,
} from '../src/server/managers/backup';
import { searchLogs } from '../src/server/managers/logs';
import { listPeers } from '../src/server/managers/peers';
import { health } from '../src/server/managers/health';
import { dataDir } from '../src/server/runtime/paths';
import { runtimeOf } from '../src/server/runtime/runtime';

process.env.PIC_LOG_STDOUT ??= '0';

/** The server's public answer (up, set up), with the details read locally: whoever runs this holds the data directory. */
async function status(): Promise<number> {
  const url = `http://127.0.0.1:${process.env.PORT || 3000}/api/health`;
  const db = getDb();
  const local = await health(db, runtimeOf(db).engine);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    console.log(JSON.stringify({ source: url, ...local, ...(await res.json()) }, null, 2));
    return res.ok ? 0 : 1;
  } catch {
    console.log(JSON.stringify({ source: `${dataDir()} (server not answering at ${url})`, ...local }, null, 2));
    return local.database.ok ? 0 : 1;
  }
}

async function resetAdmin(): Promise<number> {
  const db = getDb();
  const { username, password } = await resetAdminPassword(db);
  appendAudit(db, {
    actor: 'system',
    actorRole: 'system',
    procedure: 'cli.resetAdminPassword',
    input: { username },
    outcome: 'success',
  });
  console.log(
    `New password for admin "${username}" (shown once; every existing session is signed out):\n\n  ${password}\n`,
  );
  return 0;
}

/** The value after `--name`, if given. */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

/** A passphrase from a file (its last line ending is not part of it). */
function passphraseFrom(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`--passphrase-file: ${(err as Error).message}`);
  }
}

/** Waits for a backup or restore and prints its steps; true when it succeeded. */
async function followed(operationId: string, name: string): Promise<boolean> {
  await backupOperationDone(operationId);
  const op = getBackupOperation(getDb(), operationId);
  for (const s of op.steps) console.error(`${s.state.padEnd(7)} ${s.name}${s.detail ? `: ${s.detail}` : ''}`);
  if (op.state !== 'succeeded') console.error(`cell ${name}: ${op.error}`);
  return op.state === 'succeeded';
}

const serverUrl = () => `http://127.0.0.1:${process.env.PORT || 3000}/api/health`;

async function serverAnswers(): Promise<boolean> {
  try {
    await fetch(serverUrl(), { signal: AbortSignal.timeout(1500) });
    return true;
  } catch {
    return false;
  }
}

async function backup(): Promise<number> {
  const db = getDb();
  const passphrase = passphraseFrom(option('passphrase-file'));
  const { operationId, backupId } = await createBackup(db, { passphrase, trigger: 'cli' });
  if (!(await followed(operationId, 'backup'))) return 1;
  const row = listBackups(db).find((b) => b.id === backupId)!;
  console.log(path.join(dataDir(), 'backups', row.name));
  return 0;
}

async function restore(): Promise<number> {
  const file = process.argv[3];
  if (!file || file.startsWith('--')) throw new Error('restore needs the archive: npm run cell -- restore FILE');
  if (await serverAnswers())
    throw new Error(`the server answers at ${serverUrl()}: stop it first, or restore from the Backups page`);
  const passphrase = passphraseFrom(option('passphrase-file'));
  const db = getDb();
  const { uploadId } = await receiveUpload(db, fs.createReadStream(file));
  const { operationId } = await restoreBackup(db, { id: uploadId, key: passphrase ? { passphrase } : undefined });
  return (await followed(operationId, 'restore')) ? 0 : 1;
}

async function peersList(): Promise<number> {
  const db = getDb();
  for (let page = 1; ; page++) {
    const { items, total, pageSize } = await listPeers(db, { page, pageSize: 200 });
    for (const p of items) {
      const seen = p.latestHandshake ? new Date(p.latestHandshake).toISOString() : 'never';
      console.log(
        [p.name, p.address, p.enabled ? 'enabled' : 'disabled', p.online ? 'online' : 'offline', seen].join('\t'),
      );
    }
    if (page * pageSize >= total) return 0;
  }
}

function printLine(l: { time: string; level: string; service: string; msg: string; [k: string]: unknown }): void {
  const { time, level, service, msg, ...fields } = l;
  const rest = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
  console.log(`${time} ${level.padEnd(5)} ${service} ${msg}${rest}`);
}

async function logs(): Promise<number> {
  const name = process.argv[3];
  if (!name || name.startsWith('--')) throw new Error('logs needs a service: npm run cell -- logs store');
  const service = name === 'cell' || name.startsWith('cell.') ? name : `cell.${name}`;
  const db = getDb();
  const seen = new Set<string>();
  let since: Date | undefined;
  const show = async () => {
    const { lines } = await searchLogs(db, { service, since, limit: 200 });
    for (const l of lines.reverse()) {
      const key = JSON.stringify(l);
      if (seen.has(key)) continue;
      seen.add(key);
      printLine(l);
      since = new Date(l.time);
    }
  };
  await show();
  if (!process.argv.includes('--follow')) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    await show();
  }
}

const commands: Record<string, () => Promise<number>> = {
  logs,
  status,
  'reset-admin-password': resetAdmin,
  backup,
  restore,
  'list-peers': peersList,
};

async function main() {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    console.error(`usage: npm run cell -- <${Object.keys(commands).join('|')}>`);
    return 2;
  }
  try {
    return await command();
  } catch (err) {
    console.error(`cell ${name}: ${(err as Error).message}`);
    return 1;
  }
}

main().then((code) => process.exit(code));
