/** A peer's Apple configuration profile, signed by the cell: what `GET /api/portal/profile.mobileconfig` returns. */
import { X509Certificate } from 'node:crypto';
import type { Db } from '../../db';
import { NotFoundError } from '../../errors';
import { instanceId } from '../../runtime/secrets';
import { getAccount } from '../accounts';
import { cellFacts } from '../cell';
import { peerConfig, peerIdOfUser, peerNames } from '../peers';
import { servicesOfPeer } from '../store';
import { rootCertificate, signContent } from '../vault';
import { CLIENT_KEY_PLACEHOLDER } from '../wireguard';
import { renderProfile, type ProfileModel } from './render-profile';

export async function profileModel(db: Db, userId: number): Promise<ProfileModel> {
  const account = getAccount(db, userId);
  const peerId = peerIdOfUser(db, userId);
  if (!peerId) throw new NotFoundError('This login has no peer: ask your admin to link a device');
  const facts = cellFacts(db);
  const session = { id: userId, username: account.username, role: 'peer' as const };
  const config = peerConfig(db, peerId, session);
  const endpoint = /^Endpoint\s*=\s*(.+)$/m.exec(config.text)?.[1]?.trim() ?? facts.domain;
  const root = await rootCertificate(db);
  const services = await servicesOfPeer(db, peerId);
  const mail = services.find((s) => s.category === 'mail');
  return {
    cell: { name: facts.name, id: instanceId() },
    peer: { name: peerNames(db, [peerId])[peerId] ?? config.name, username: account.username },
    root: { der: new X509Certificate(root.pem).raw, name: root.subject },
    // A peer that brought its own key keeps it on its device: the profile cannot hold the tunnel then.
    tunnel: config.text.includes(CLIENT_KEY_PLACEHOLDER) ? null : { name: facts.name, config: config.text, endpoint },
    calendars: services
      .filter((s) => s.category === 'calendar' && s.host)
      .map((s) => ({ name: s.name, host: s.host!, username: s.username })),
    mail: mail
      ? {
          name: mail.name,
          host: mail.settings.find((x) => x.kind === 'host')?.value || `mail.${facts.domain}`,
          email: mail.username.includes('@') ? mail.username : `${mail.username}@${facts.domain}`,
          username: mail.username,
        }
      : null,
  };
}

/** The profile as the device takes it: the property list inside a PKCS#7 signature (DER). */
export async function signedProfile(db: Db, userId: number): Promise<{ filename: string; der: Buffer }> {
  const model = await profileModel(db, userId);
  const der = await signContent(db, Buffer.from(renderProfile(model), 'utf8'));
  return { filename: `${model.cell.name}-${model.peer.username}.mobileconfig`.replace(/[^A-Za-z0-9_.-]/g, '_'), der };
}
