import { count, eq, max, sql } from 'drizzle-orm';
import { cidrSize } from '@/lib/cidr';
import type { UpdateWireguard } from '@/lib/schemas/wireguard';
import type { Db, DbOrTx } from '../../db';
import { peers, wireguardSettings } from '../../db/schema';
import { preparedQuery } from '../../db/prepared';
import { ConflictError } from '../../errors';
import { encryptSecret } from '../../runtime/secrets';
import { changed } from '../../runtime/changes';
import { applyWireguard } from './apply';
import { liveStatus } from './interface';
import { generateKeyPair } from './keys';
import { CELL_HOST_INDEX, dnsOf, endpointOf, endpointWarning, hostAddresses, lastPeerIndex, planOf } from './model';
import { cellInfo, serverRow, type ServerSettingsRow } from './state';
import { isOnline } from './status';
import { runtimeOf } from '../../runtime/runtime';

export const WG_DEFAULTS = { listenPort: 51820, subnet: '10.0.0.0/24', persistentKeepalive: 25 };

/** Creates the interface row and its key pair if missing (at setup, or at first start after an upgrade). */
export function ensureServer(db: DbOrTx, now = runtimeOf(db).clock()): void {
  const keys = generateKeyPair();
  db.insert(wireguardSettings)
    .values({
      id: 1,
      ...WG_DEFAULTS,
      privateKeyEnc: encryptSecret(keys.privateKey, 'wireguard_settings.private_key_enc'),
      publicKey: keys.publicKey,
      keysRotatedAt: now,
      revision: 1,
      appliedRevision: 0,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
}

/** Every change to what the interface should hold goes through this, inside the change's transaction. */
const bumpQuery = preparedQuery((db) =>
  db
    .update(wireguardSettings)
    .set({ revision: sql`${wireguardSettings.revision} + 1`, updatedAt: sql`${sql.placeholder('nowMs')}` })
    .where(eq(wireguardSettings.id, 1))
    .prepare(),
);
export function bumpRevision(db: DbOrTx, now = runtimeOf(db).clock()): void {
  bumpQuery(db).run({ nowMs: now.getTime() });
}

function publicView(db: Db, row: ServerSettingsRow) {
  const { privateKeyEnc: _secret, ...rest } = row;
  const plan = planOf(row);
  const cell = hostAddresses(plan, CELL_HOST_INDEX);
  const peerCount = db.select({ n: count() }).from(peers).get()?.n ?? 0;
  const { domain } = cellInfo(db);
  return {
    ...rest,
    cellAddress: cell.v4,
    cellAddress6: cell.v6,
    endpoint: endpointOf(row, domain),
    endpointWarning: endpointWarning(row, domain),
    effectiveDns: dnsOf(row),
    capacity: lastPeerIndex(plan) - 1,
    peerCount,
    pending: row.appliedRevision < row.revision,
  };
}

export function getServer(db: Db) {
  return publicView(db, serverRow(db));
}

export async function updateServer(db: Db, input: UpdateWireguard, now = runtimeOf(db).clock()) {
  const { confirmReaddress, ...changes } = input;
  db.transaction(
    (tx) => {
      const current = serverRow(tx as unknown as Db);
      const subnetChanges =
        (changes.subnet !== undefined && changes.subnet !== current.subnet) ||
        (changes.subnet6 !== undefined && changes.subnet6 !== current.subnet6);
      if (subnetChanges) {
        const stats = tx
          .select({ n: count(), top: max(peers.hostIndex) })
          .from(peers)
          .get();
        const n = stats?.n ?? 0;
        if (n > 0 && !confirmReaddress) {
          throw new ConflictError(
            `${n} peer${n === 1 ? '' : 's'} would move to the new subnet and need${n === 1 ? 's' : ''} a new config: confirm re-addressing`,
            'confirmReaddress',
          );
        }
        const subnet = changes.subnet ?? current.subnet;
        const top = stats?.top ?? 0;
        if (top > Number(cidrSize(planOf({ subnet, subnet6: null }).v4)) - 2) {
          throw new ConflictError(
            `${subnet} is too small: a peer uses host number ${top} of the current subnet`,
            'subnet',
          );
        }
      }
      tx.update(wireguardSettings)
        .set({ ...changes, updatedAt: now })
        .where(eq(wireguardSettings.id, 1))
        .run();
      bumpRevision(tx, now);
    },
    { behavior: 'immediate' },
  );
  const apply = await applyWireguard(db);
  // The cell's and the peers' addresses, NTP's allowed networks and the published port follow.
  await changed(db, ['tunnel'], { wait: true });
  return { ...getServer(db), apply };
}

/** New server key pair: every client config must be downloaded again. */
export async function rotateServerKeys(db: Db, now = runtimeOf(db).clock()) {
  const keys = generateKeyPair();
  db.transaction((tx) => {
    tx.update(wireguardSettings)
      .set({
        privateKeyEnc: encryptSecret(keys.privateKey, 'wireguard_settings.private_key_enc'),
        publicKey: keys.publicKey,
        keysRotatedAt: now,
      })
      .where(eq(wireguardSettings.id, 1))
      .run();
    bumpRevision(tx, now);
  });
  const apply = await applyWireguard(db);
  return { publicKey: keys.publicKey, apply };
}

export async function serverStatus(db: Db, now = runtimeOf(db).clock()) {
  const row = serverRow(db);
  const { live, error } = await liveStatus(db);
  const keys = db.select({ publicKey: peers.publicKey }).from(peers).all();
  return {
    publicKey: row.publicKey,
    listenPort: row.listenPort,
    peerCount: keys.length,
    peersOnline: live ? keys.filter((k) => isOnline(live.peers.get(k.publicKey), now)).length : 0,
    interfaceUp: live !== null,
    interfaceError: error,
    /** The interface runs the stored key (false right after a rotation that is still pending). */
    keyMatches: live ? live.publicKey === row.publicKey : null,
    pending: row.appliedRevision < row.revision,
    applyError: row.applyError,
  };
}
