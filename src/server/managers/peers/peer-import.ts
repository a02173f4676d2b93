/** Peers from a CSV that a person pastes or uploads, created all or nothing and applied once. */
import { parsePeerCsv } from '@/lib/schemas/peer-import';
import type { Db } from '../../db';
import { DomainError, FieldErrorsError } from '../../errors';
import { changed } from '../../runtime/changes';
import { batchAllocator } from './addresses';
import { applyWireguard, bumpRevision, serverRow } from '../wireguard';
import { insertPeer, newPeerSecrets } from './peers';
import { runtimeOf } from '../../runtime/runtime';

/**
 * Peers from a CSV, all or nothing: every row is checked (the file itself, then each row
 * against the database and the rows before it) and one error per field is returned as
 * `rows.<n>.<field>`; otherwise all are stored in one transaction and applied once.
 */
export async function importPeers(db: Db, csv: string, now = runtimeOf(db).clock()) {
  const parsed = parsePeerCsv(csv);
  if ('errors' in parsed) throw new FieldErrorsError(parsed.errors);
  const secrets = parsed.rows.map(newPeerSecrets);
  const created = db.transaction(
    (tx) => {
      const t = tx as unknown as Db;
      const errors: Record<string, string[]> = {};
      const ids: number[] = [];
      const server = serverRow(t);
      const indexes = batchAllocator(t);
      parsed.rows.forEach((input, i) => {
        try {
          ids.push(insertPeer(t, input, secrets[i]!, now, server, indexes).id);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          (errors[`rows.${i + 1}.${err.field ?? 'name'}`] ??= []).push(err.message);
        }
      });
      // Thrown inside the transaction: nothing of the file is kept.
      if (Object.keys(errors).length) throw new FieldErrorsError(errors);
      bumpRevision(tx, now);
      return ids;
    },
    { behavior: 'immediate' },
  );
  // One apply for the whole file: a full sync of the interface and one DNS render.
  const apply = await applyWireguard(db);
  void changed(db, ['names', 'firewall']);
  return { created, apply };
}
