/**
 * A peer's Apple configuration profile as a property list: the cell's root certificate, the
 * WireGuard tunnel (the WireGuard app's VPN payload), and an account for each calendar and
 * mail service it may use. No password is in it: the device asks when the profile installs.
 * Pure: a typed model in, XML out, every string escaped in one place.
 */
import { createHash } from 'node:crypto';
import { GENERATED } from '../render-guard';

type Plist = string | number | boolean | Buffer | Plist[] | { [key: string]: Plist };

/** XML 1.0 cannot carry most control characters at all: they are dropped, the rest escaped. */
const text = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

function serialize(value: Plist, indent: string): string {
  const inner = `${indent}\t`;
  if (typeof value === 'string') return `${indent}<string>${text(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${Math.trunc(value)}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (Buffer.isBuffer(value)) return `${indent}<data>${value.toString('base64')}</data>`;
  if (Array.isArray(value))
    return [`${indent}<array>`, ...value.map((v) => serialize(v, inner)), `${indent}</array>`].join('\n');
  const entries = Object.entries(value).flatMap(([k, v]) => [`${inner}<key>${text(k)}</key>`, serialize(v, inner)]);
  return [`${indent}<dict>`, ...entries, `${indent}</dict>`].join('\n');
}

export function renderPlist(value: Plist): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${GENERATED} -->`,
    '<plist version="1.0">',
    serialize(value, ''),
    '</plist>',
    '',
  ].join('\n');
}

/** The same UUID for the same payload of the same peer, so installing a newer profile replaces the older. */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return [h.slice(0, 8), h.slice(8, 12), `5${h.slice(13, 16)}`, `a${h.slice(17, 20)}`, h.slice(20, 32)]
    .join('-')
    .toUpperCase();
}

export interface ProfileModel {
  cell: { name: string; id: string };
  peer: { name: string; username: string };
  root: { der: Buffer; name: string };
  tunnel: { name: string; config: string; endpoint: string } | null;
  calendars: { name: string; host: string; username: string }[];
  mail: { name: string; host: string; email: string; username: string } | null;
}

export function renderProfile(m: ProfileModel): string {
  // Identifiers are reverse-DNS: made only of what such a name may hold.
  const base = `cell.${m.cell.id.replace(/[^A-Za-z0-9-]/g, '')}.${m.peer.username.replace(/[^A-Za-z0-9-]/g, '-')}`;
  const payload = (type: string, id: string, display: string, body: Record<string, Plist>) => ({
    PayloadType: type,
    PayloadVersion: 1,
    PayloadIdentifier: `${base}.${id}`,
    PayloadUUID: stableUuid(base, id),
    PayloadDisplayName: display,
    ...body,
  });
  const content: Plist[] = [payload('com.apple.security.root', 'root', m.root.name, { PayloadContent: m.root.der })];
  if (m.tunnel)
    content.push(
      payload('com.apple.vpn.managed', 'tunnel', 'VPN', {
        UserDefinedName: m.tunnel.name,
        VPNType: 'VPN',
        VPNSubType: 'com.wireguard.ios',
        VendorConfig: { WgQuickConfig: m.tunnel.config },
        VPN: { RemoteAddress: m.tunnel.endpoint, AuthenticationMethod: 'Password' },
      }),
    );
  for (const c of m.calendars) {
    const common = { HostName: c.host, Port: 443, UseSSL: true, Username: c.username, AccountDescription: c.name };
    const as = (prefix: string) => Object.fromEntries(Object.entries(common).map(([k, v]) => [`${prefix}${k}`, v]));
    content.push(payload('com.apple.caldav.account', `caldav.${c.host}`, `${c.name} (calendars)`, as('CalDAV')));
    content.push(payload('com.apple.carddav.account', `carddav.${c.host}`, `${c.name} (contacts)`, as('CardDAV')));
  }
  if (m.mail)
    content.push(
      payload('com.apple.mail.managed', 'mail', m.mail.name, {
        EmailAccountDescription: `${m.cell.name} mail`,
        EmailAccountType: 'EmailTypeIMAP',
        EmailAddress: m.mail.email,
        IncomingMailServerHostName: m.mail.host,
        IncomingMailServerPortNumber: 993,
        IncomingMailServerUseSSL: true,
        IncomingMailServerUsername: m.mail.username,
        IncomingMailServerAuthentication: 'EmailAuthPassword',
        OutgoingMailServerHostName: m.mail.host,
        OutgoingMailServerPortNumber: 587,
        OutgoingMailServerUseSSL: true,
        OutgoingMailServerUsername: m.mail.username,
        OutgoingMailServerAuthentication: 'EmailAuthPassword',
      }),
    );
  return renderPlist({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: base,
    PayloadUUID: stableUuid(base),
    PayloadDisplayName: `${m.cell.name} for ${m.peer.name}`,
    PayloadOrganization: m.cell.name,
    PayloadDescription: `Trusts ${m.cell.name}'s certificates and sets up its tunnel and services on this device.`,
    PayloadRemovalDisallowed: false,
    PayloadContent: content,
  });
}
