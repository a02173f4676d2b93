/** The peer portal's overview: the signed-in peer's account, its peer and the cell. */
import type { Db } from '../../db';
import { getAccount } from '../accounts';
import { getSettings } from '../settings';
import { peerById, peerIdOfUser } from '../peers';

/** What a peer sees of the cell: its identity and their own account, nothing of anyone else. */
export async function portalOverview(db: Db, userId: number) {
  const settings = getSettings(db);
  const account = getAccount(db, userId);
  const peerId = peerIdOfUser(db, userId);
  const peer = peerId ? await peerById(db, peerId, { id: userId, username: account.username, role: 'peer' }) : null;
  return {
    peer,
    cell: { name: settings.cellName, domain: settings.domain, services: settings.services },
    account: { username: account.username, createdAt: account.createdAt, passwordChangedAt: account.passwordChangedAt },
  };
}
