/**
 * Who may reach each installed service through Caddy: the peers the firewall lets use it (by
 * their tunnel addresses) and the cell network, or everyone inside when every peer may. When
 * that changes, the proxy is told (`service-access`), so a peer denied a service gets 403 from
 * Caddy as well as no packets and no account.
 */
import crypto from 'node:crypto';
import type { Db, DbOrTx } from '../../db';
import { changed } from '../../runtime/changes';
import { processWide } from '../../runtime/process-wide';
import { cellNetwork } from '../cell';
import { serviceAccess } from '../firewall';
import { firewallPeers } from '../peers';
import { instanceRows } from './state';

const hostCidr = (address: string) => (address.includes(':') ? `${address}/128` : `${address}/32`);

export function serviceClients(tx: DbOrTx): Map<string, string[] | null> {
  const out = new Map<string, string[] | null>();
  const instances = instanceRows(tx).filter((r) => r.state !== 'removing');
  if (!instances.length) return out;
  const access = serviceAccess(tx);
  const peers = firewallPeers(tx);
  const subnet = cellNetwork(tx).subnet;
  for (const row of instances) {
    const allowed = peers.filter((p) => access.peers.get(p.id)?.includes(row.id));
    out.set(
      row.id,
      allowed.length === peers.length ? null : [subnet, ...allowed.flatMap((p) => p.addresses.map(hostCidr))],
    );
  }
  return out;
}

const last = processWide('store.access.digest', () => ({ digest: '' }));

/** Tells the proxy when who may reach a service changed since the last look. */
export function noticeAccessChange(db: Db): boolean {
  const now = crypto
    .createHash('sha256')
    .update(JSON.stringify([...serviceClients(db)]))
    .digest('hex');
  if (now === last.digest) return false;
  last.digest = now;
  void changed(db, ['service-access']);
  return true;
}
