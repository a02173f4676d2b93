/** The peers as the firewall sees them: addresses and their own settings (groups are the firewall's). */
import type { DbOrTx } from '../../db';
import { preparedQuery } from '../../db/prepared';
import { peers } from '../../db/schema';
import type { DeclaredPeer } from '../firewall';
import { findServer, hostAddresses, planOf } from '../wireguard';

const rows = preparedQuery((db) =>
  db
    .select({
      id: peers.id,
      name: peers.name,
      hostIndex: peers.hostIndex,
      peerToPeer: peers.peerToPeer,
      fromGroups: peers.peerToPeerFromGroups,
      services: peers.services,
    })
    .from(peers)
    .orderBy(peers.hostIndex)
    .prepare(),
);

/** Every peer, enabled or not (a disabled one is off the interface: its rules catch nothing). */
export function firewallPeers(tx: DbOrTx): DeclaredPeer[] {
  const server = findServer(tx);
  if (!server) return [];
  const plan = planOf(server);
  return rows(tx)
    .all()
    .map((r) => {
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
