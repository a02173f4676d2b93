/** The peers as the firewall sees them: addresses and their own settings (groups are the firewall's). */
import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { peers } from '../../db/schema';
import type { DeclaredPeer } from '../firewall';
import { findServer, hostAddresses, planOf } from '../wireguard';

const columns = {
  id: peers.id,
  name: peers.name,
  hostIndex: peers.hostIndex,
  peerToPeer: peers.peerToPeer,
  fromGroups: peers.peerToPeerFromGroups,
  services: peers.services,
};
const rows = preparedQuery((db) => db.select(columns).from(peers).orderBy(peers.hostIndex).prepare());

/** Every peer (or those of `ids` that exist), enabled or not: a disabled one is off the interface, its rules catch nothing. */
export function firewallPeers(tx: DbOrTx, ids?: readonly number[]): DeclaredPeer[] {
  const server = findServer(tx);
  if (!server) return [];
  const plan = planOf(server);
  const found = ids
    ? tx
        .select(columns)
        .from(peers)
        .where(inArray(peers.id, [...ids]))
        .orderBy(peers.hostIndex)
        .all()
    : rows(tx).all();
  return found.map((r) => {
    const a = hostAddresses(plan, r.hostIndex);
    return {
      id: r.id,
      name: r.name,
      addresses: a.v6 ? [a.v4, a.v6] : [a.v4],
      peerToPeer: r.fromGroups ? null : r.peerToPeer,
      services: r.services,
    };
  });
}
