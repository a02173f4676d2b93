/**
 * A peer's services as its portal shows them: where each answers, its username, the exact
 * client settings from the manifest's instructions, and a link that sets a client up (DAVx5
 * for calendars and files). Never a password: that is shown once, when it is reset.
 */
import QRCode from 'qrcode';
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { cellFacts } from '../cell';
import { accountsOfPeer } from './account-rows';
import { fillPlaceholders, serviceRoutes } from './model';
import { addressOf, instanceRows, manifestOfRow } from './state';

export interface PeerService {
  service: string;
  name: string;
  category: Manifest['category'];
  host: string | null;
  port: number | null;
  url: string | null;
  username: string;
  settings: { label: string; kind: string; value: string }[];
  /** A link a phone opens to add the account (DAVx5), with its QR code. */
  setup: { link: string; qr: string } | null;
  passwordShownAt: Date | null;
}

/** DAVx5 takes `caldavs://` and `carddavs://` links with the user in them; a file share is plain WebDAV. */
function setupLink(category: Manifest['category'], username: string, host: string): string | null {
  if (category === 'calendar') return `caldavs://${encodeURIComponent(username)}@${host}/`;
  if (category === 'files') return `davs://${encodeURIComponent(username)}@${host}/`;
  return null;
}

export async function servicesOfPeer(db: Db, peerId: number): Promise<PeerService[]> {
  const facts = cellFacts(db);
  const rows = new Map(instanceRows(db).map((r) => [r.id, r]));
  const out: PeerService[] = [];
  for (const account of accountsOfPeer(db, peerId)) {
    const row = rows.get(account.instanceId);
    if (!row || row.state === 'removing') continue;
    const manifest = manifestOfRow(row);
    const web = serviceRoutes(manifest, row.id, addressOf(db, row.hostIndex), facts.domain);
    const at = web.find((r) => !r.host.endsWith('.cell')) ?? web[0];
    const host = at?.host ?? null;
    const values = {
      user: account.username,
      email: `${account.username}@${facts.domain}`,
      domain: facts.domain,
      host: host ?? '',
      instance: row.id,
    };
    const settings = manifest.peerInstructions.map((i) => ({
      label: i.label,
      kind: i.kind,
      value: fillPlaceholders(i.value, values),
    }));
    // What the service calls the account: its instructions say (mail: the whole address).
    const username = settings.find((i) => i.kind === 'username')?.value || account.username;
    const link = host ? setupLink(manifest.category, username, host) : null;
    out.push({
      service: row.id,
      name: manifest.name,
      category: manifest.category,
      host,
      port: at ? 443 : null,
      url: at ? `https://${at.host}${at.path}/` : null,
      username,
      settings,
      setup: link ? { link, qr: await QRCode.toString(link, { type: 'svg', margin: 2 }) } : null,
      passwordShownAt: account.passwordShownAt,
    });
  }
  return out;
}
