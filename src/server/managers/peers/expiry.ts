/** Peers past their expiry: disabled in the background, each with an audit entry, applied together. */
import { and, eq, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db';
import { peers } from '../../db/schema';
import { endSessions } from '../accounts';
import { appendAudit } from '../audit';
import { applyWireguard, bumpRevision, type PeerChange } from '../wireguard';
import { runtimeOf } from '../../runtime/runtime';

/** Background: peers past their expiry are disabled, each with an audit entry. */
export async function expirePeers(db: Db, now = runtimeOf(db).clock()) {
  const due = db.transaction(
    (tx) => {
      const rows = tx
        .select()
        .from(peers)
        .where(and(eq(peers.enabled, true), isNotNull(peers.expiresAt), lte(peers.expiresAt, now)))
        .all();
      if (!rows.length) return rows;
      for (const r of rows) {
        tx.update(peers)
          .set({ enabled: false, disabledReason: 'expired', updatedAt: now })
          .where(eq(peers.id, r.id))
          .run();
        if (r.userId) endSessions(tx, r.userId);
      }
      bumpRevision(tx, now);
      return rows;
    },
    { behavior: 'immediate' },
  );
  for (const r of due) {
    appendAudit(
      db,
      {
        actor: 'system',
        actorRole: 'system',
        procedure: 'peers.expire',
        input: { id: r.id, name: r.name, expiresAt: r.expiresAt },
        outcome: 'success',
      },
      now,
    );
  }
  const change: PeerChange = { removedKeys: due.map((r) => r.publicKey) };
  return {
    expired: due.map((r) => ({ id: r.id, name: r.name })),
    apply: due.length ? await applyWireguard(db, change) : null,
  };
}
