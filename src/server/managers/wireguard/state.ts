/** Reads of the stored WireGuard state, with secrets decrypted for the renderers. */
import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { peers, wireguardSettings } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { decryptSecret, type SecretSlot } from '../../runtime/secrets';
import { cellExists, cellFacts } from '../cell';
import { serverModel } from './model';

export type ServerSettingsRow = typeof wireguardSettings.$inferSelect;
export type PeerRecord = typeof peers.$inferSelect;

// Ciphertexts are unique per encryption, so a decrypted value can be reused safely;
// this keeps a full render of thousands of peers cheap.
const plainOf = new Map<string, string>();
export function decrypted(sealed: string, slot: SecretSlot): string;
export function decrypted(sealed: string | null, slot: SecretSlot): string | null;
export function decrypted(sealed: string | null, slot: SecretSlot): string | null {
  if (sealed === null) return null;
  const key = `${slot}\0${sealed}`;
  let plain = plainOf.get(key);
  if (plain === undefined) {
    plain = decryptSecret(sealed, slot);
    if (plainOf.size > 50_000) plainOf.clear();
    plainOf.set(key, plain);
  }
  return plain;
}

const serverQuery = preparedQuery((db) =>
  db.select().from(wireguardSettings).where(eq(wireguardSettings.id, 1)).prepare(),
);
export function findServer(db: DbOrTx): ServerSettingsRow | undefined {
  return serverQuery(db).get();
}

const peerQuery = preparedQuery((db) =>
  db
    .select()
    .from(peers)
    .where(eq(peers.id, sql.placeholder('id')))
    .prepare(),
);
/** Every peer, with only what the server's config needs (a full read at 5,000 peers took 30 ms). */
const serverPeersQuery = preparedQuery((db) =>
  db
    .select({
      id: peers.id,
      name: peers.name,
      hostIndex: peers.hostIndex,
      publicKey: peers.publicKey,
      presharedKeyEnc: peers.presharedKeyEnc,
      enabled: peers.enabled,
      expiresAt: peers.expiresAt,
    })
    .from(peers)
    .prepare(),
);

/** The peers with these ids (the few a change touches). */
export function peersByIds(db: DbOrTx, ids: readonly number[]): PeerRecord[] {
  return ids.flatMap((id) => peerQuery(db).get({ id }) ?? []);
}

export function serverRow(db: DbOrTx): ServerSettingsRow {
  const row = findServer(db);
  if (!row) throw new InvalidStateError('WireGuard is not configured yet: complete setup first');
  return row;
}

export function cellInfo(db: Db): { name: string; domain: string; network: string } {
  const facts = cellFacts(db);
  return { name: facts.name, domain: facts.domain, network: facts.cellNetwork.subnet };
}

export function loadServerModel(db: Db, now: Date) {
  return db.transaction((tx) => {
    const server = tx.select().from(wireguardSettings).where(eq(wireguardSettings.id, 1)).get();
    if (!server || !cellExists(tx)) return null;
    const facts = cellFacts(tx);
    const rows = serverPeersQuery(tx).all();
    const model = serverModel(
      facts.name,
      { ...server, privateKey: decrypted(server.privateKeyEnc, 'wireguard_settings.private_key_enc') },
      rows.map((p) => ({ ...p, presharedKey: decrypted(p.presharedKeyEnc, 'peers.preshared_key_enc') })),
      now,
    );
    return { model, revision: server.revision, appliedRevision: server.appliedRevision };
  });
}
