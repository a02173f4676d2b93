import type { Db } from '../../db';
import { getAccount } from '../accounts';
import { getSettings } from '../settings';

/** What a peer sees of the cell: its identity and their own account, nothing of anyone else. */
export function portalOverview(db: Db, userId: number) {
  const settings = getSettings(db);
  const account = getAccount(db, userId);
  return {
    cell: { name: settings.cellName, domain: settings.domain, services: settings.services },
    account: { username: account.username, createdAt: account.createdAt, passwordChangedAt: account.passwordChangedAt },
  };
}
