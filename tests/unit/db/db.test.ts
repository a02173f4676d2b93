import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { appendAudit } from '@/server/managers/audit';
import { freshCell } from '../../helpers/db';

let db: Db | undefined;
afterEach(() => db?.$client.close());

describe('the database connection', () => {
  it('leaves WAL checkpoints to a thread of its own, which copies the log back within seconds', async () => {
    const { dir } = freshCell();
    const file = path.join(dir, 'server.db');
    db = openDb(file, { backgroundCheckpoints: true });
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    for (let i = 0; i < 200; i++)
      appendAudit(db, { actor: 'test', actorRole: 'system', procedure: 'x', outcome: 'success' });
    // The database file alone (no log) holds every row once a pass has run.
    const rowsInFile = () => {
      const copy = path.join(dir, 'copy.db');
      fs.copyFileSync(file, copy);
      try {
        const only = new Database(copy, { readonly: true });
        try {
          return (only.prepare('SELECT count(*) AS n FROM audit_entries').get() as { n: number }).n;
        } finally {
          only.close();
        }
      } catch {
        return -1; // no tables yet, or copied mid-pass
      }
    };
    const deadline = Date.now() + 5_000;
    while (rowsInFile() !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(rowsInFile()).toBe(200);
  });

  it('runs a prepared query inside the transaction it is called in: a rollback takes its rows too', () => {
    db = freshCell().db;
    appendAudit(db, { actor: 'test', actorRole: 'system', procedure: 'kept', outcome: 'success' });
    expect(() =>
      db!.transaction((tx) => {
        appendAudit(tx as unknown as Db, {
          actor: 'test',
          actorRole: 'system',
          procedure: 'undone',
          outcome: 'success',
        });
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(db.select({ procedure: auditEntries.procedure }).from(auditEntries).all()).toEqual([{ procedure: 'kept' }]);
  });
});
