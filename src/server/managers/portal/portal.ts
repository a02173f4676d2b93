/** The peer portal's overview: the signed-in peer's account, its peer, the cell and what it offers. */
import type { Db } from '../../db';
import { getAccount } from '../accounts';
import { getSettings } from '../settings';
import { NotFoundError } from '../../errors';
import { peerById, peerIdOfUser, peerNames } from '../peers';
import { listRoutes, uiHosts } from '../routes';
import { resetAccountPassword, servicesOfPeer } from '../store';
import { rootCertificate } from '../vault';

export interface PortalService {
  name: string;
  /** Where to open it in a browser, if it is a web service. */
  url: string | null;
  how: string;
}

/**
 * What a peer can use on the cell, with how to use each: the web app, every route (by
 * its name only: where it leads stays the admin's), and the tunnel's own DNS and time.
 */
function servicesOf(db: Db, settings: ReturnType<typeof getSettings>): PortalService[] {
  const [app] = uiHosts({ cellName: settings.cellName, domain: settings.domain });
  const services: PortalService[] = [];
  if (app) services.push({ name: 'This portal', url: `https://${app}`, how: 'Open in a browser while connected.' });
  for (const r of listRoutes(db).routes) {
    const at = `${r.host}${r.path === '/' ? '' : r.path}`;
    services.push({
      name: at,
      url: `https://${at}`,
      how: r.access === 'public' ? 'Open in a browser, from anywhere.' : 'Open in a browser while connected.',
    });
  }
  if (settings.services.includes('dns'))
    services.push({
      name: `Names under .cell and ${settings.domain}`,
      url: null,
      how: 'Resolve by themselves while connected: the tunnel makes the cell your DNS server.',
    });
  if (settings.services.includes('ntp'))
    services.push({ name: 'ntp.cell', url: null, how: "Set it as your device's time server (NTP) while connected." });
  return services;
}

/** For the admin's peer page: what this peer's portal lists (today every peer may use the same). */
export function peerServices(db: Db, peerId: number): PortalService[] {
  if (!peerNames(db, [peerId])[peerId]) throw new NotFoundError(`Peer ${peerId} not found`);
  return servicesOf(db, getSettings(db));
}

/** What a peer sees of the cell: its identity, what it offers, and their own account, nothing of anyone else. */
export async function portalOverview(db: Db, userId: number) {
  const settings = getSettings(db);
  const account = getAccount(db, userId);
  const peerId = peerIdOfUser(db, userId);
  const peer = peerId ? await peerById(db, peerId, { id: userId, username: account.username, role: 'peer' }) : null;
  const root = await rootCertificate(db).catch(() => null);
  return {
    peer,
    cell: { name: settings.cellName, domain: settings.domain, services: settings.services },
    services: servicesOf(db, settings),
    root: root && { fingerprint: root.fingerprint, notAfter: root.notAfter },
    account: { username: account.username, createdAt: account.createdAt, passwordChangedAt: account.passwordChangedAt },
  };
}

function ownPeer(db: Db, userId: number): number {
  const peerId = peerIdOfUser(db, userId);
  if (!peerId) throw new NotFoundError('This login has no peer');
  return peerId;
}

/** The signed-in peer's accounts on the store's services, with how to connect to each. */
export const portalServices = (db: Db, userId: number) => servicesOfPeer(db, ownPeer(db, userId));

/** A new password for the signed-in peer's account on one service, shown this once. */
export async function resetServicePassword(db: Db, userId: number, service: string) {
  const peerId = ownPeer(db, userId);
  const { username, password, applied } = await resetAccountPassword(db, service, peerId);
  return { service, username, password, applied };
}
