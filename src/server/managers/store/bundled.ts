/**
 * The catalogue that ships with the cell, so the store works offline. Each image is pinned by
 * the digest its publisher's registry gave for it when it was last observed (the comment
 * beside each says where); a newer signed index replaces an entry by its id. Whatever an entry
 * says, its image runs only when its signature verifies under a key the cell trusts.
 */
import type { z } from 'zod';
import type { manifestSchema } from '@/lib/schemas/store';

type ManifestInput = z.input<typeof manifestSchema>;

const peersWeb = (label: string, port: number) => [
  { kind: 'cell' as const, label, port },
  { kind: 'subdomain' as const, label, port },
];

export const BUNDLED: ManifestInput[] = [
  {
    manifestVersion: 1,
    id: 'mail',
    name: 'Mail',
    version: '14.0.0',
    description: 'Your own mail server (docker-mailserver): IMAP, submission and SMTP for <user>@<your domain>.',
    category: 'mail',
    icon: 'mail',
    // Observed as the repository digest of ghcr.io/docker-mailserver/docker-mailserver 14.0.
    image:
      'ghcr.io/docker-mailserver/docker-mailserver@sha256:af51b15dd3fc72153c0e90eb7692bb5e3a463212d87959a80fa7aa89b617d44a',
    ports: [
      { name: 'smtp', protocol: 'tcp', container: 25, publish: 25 },
      { name: 'submission', protocol: 'tcp', container: 587, publish: 587 },
      { name: 'imaps', protocol: 'tcp', container: 993, publish: 993 },
    ],
    // OpenDKIM signs (docker-mailserver's default): the record below is where it leaves its key.
    env: [{ name: 'POSTMASTER_ADDRESS', type: 'email', label: 'Postmaster address' }],
    // docker-mailserver will not start without a full host name, and serves the certificate
    // the cell puts in its config volume (`tls` below, there before its first start).
    fixedEnv: {
      OVERRIDE_HOSTNAME: 'mail.{{domain}}',
      SSL_TYPE: 'manual',
      SSL_CERT_PATH: '/tmp/docker-mailserver/ssl/cert.pem',
      SSL_KEY_PATH: '/tmp/docker-mailserver/ssl/key.pem',
    },
    // docker-mailserver's own setting (it has trace below debug).
    logLevel: { env: 'LOG_LEVEL', values: { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } },
    volumes: [
      { name: 'mail', mount: '/var/mail' },
      { name: 'state', mount: '/var/mail-state' },
      { name: 'config', mount: '/tmp/docker-mailserver', backup: 'live' },
    ],
    firewall: [
      { from: 'internet', protocol: 'tcp', ports: '25', why: 'Mail from other servers' },
      { from: 'peers', protocol: 'tcp', ports: '587,993', why: 'Sending and reading mail' },
    ],
    accounts: {
      kind: 'exec',
      create: ['setup', 'email', 'add', '{{email}}', '{{password}}'],
      remove: ['setup', 'email', 'del', '-y', '{{email}}'],
      setPassword: ['setup', 'email', 'update', '{{email}}', '{{password}}'],
      aliases: {
        add: ['setup', 'alias', 'add', '{{alias}}', '{{email}}'],
        remove: ['setup', 'alias', 'del', '{{alias}}', '{{email}}'],
      },
    },
    tls: {
      hosts: ['mail'],
      volume: 'config',
      cert: 'ssl/cert.pem',
      key: 'ssl/key.pem',
      reload: [
        ['postfix', 'reload'],
        ['doveadm', 'reload'],
      ],
    },
    healthCheck: { kind: 'tcp', port: 25, intervalSeconds: 10, timeoutSeconds: 3 },
    dns: [
      { name: 'mail', type: 'A', value: '{{address}}', why: 'Where the mail server answers' },
      { name: '@', type: 'MX', value: '10 mail', why: "Mail for the domain goes to the cell's server" },
      { name: '@', type: 'TXT', value: 'v=spf1 mx -all', why: 'Only the mail server sends for the domain (SPF)' },
      {
        name: '_dmarc',
        type: 'TXT',
        value: 'v=DMARC1; p=quarantine; rua=mailto:postmaster@{{domain}}',
        why: 'What receivers do with mail that fails the checks (DMARC)',
      },
      { name: '_imaps._tcp', type: 'SRV', value: '0 1 993 mail', why: 'Where mail clients read mail' },
      { name: '_submission._tcp', type: 'SRV', value: '0 1 587 mail', why: 'Where mail clients send mail' },
      {
        name: 'mail._domainkey',
        type: 'TXT',
        from: ['cat', '/tmp/docker-mailserver/opendkim/keys/{{domain}}/mail.txt'],
        why: 'The key mail from the domain is signed with (DKIM), made by the mail server',
      },
    ],
    configure: [['setup', 'config', 'dkim', 'domain', '{{domain}}']],
    peerInstructions: [
      { label: 'IMAP server', kind: 'host', value: 'mail.{{domain}}' },
      { label: 'IMAP port (TLS)', kind: 'port', value: '993' },
      { label: 'SMTP port (STARTTLS)', kind: 'port', value: '587' },
      { label: 'Username', kind: 'username', value: '{{email}}' },
    ],
  },
  {
    manifestVersion: 1,
    id: 'calendar',
    name: 'Calendar and contacts',
    version: '3.5.0',
    description: 'CalDAV and CardDAV (Radicale): calendars, contacts and tasks for every peer, synced to phones.',
    category: 'calendar',
    icon: 'calendar',
    // Observed as the repository digest of tomsquest/docker-radicale (latest, built 2026-08-25).
    image: 'tomsquest/docker-radicale@sha256:e2ef8624b2156ada47489223df12575406d625c96725f03cfc4dc890e3eda400',
    // Radicale's options as flags, so the rights the cell renders apply whatever config the image ships.
    command: [
      'radicale',
      '--server-hosts=0.0.0.0:5232',
      '--storage-filesystem-folder=/data/collections',
      '--auth-type=htpasswd',
      '--auth-htpasswd-filename=/config/users',
      '--auth-htpasswd-encryption=bcrypt',
      '--rights-type=from_file',
      '--rights-file=/config/rights',
    ],
    // Radicale's own words; it has critical above error.
    logLevel: { flag: '--logging-level=', values: { debug: 'debug', info: 'info', warn: 'warning', error: 'error' } },
    ports: [{ name: 'http', protocol: 'tcp', container: 5232 }],
    routes: peersWeb('calendar', 5232),
    volumes: [
      { name: 'data', mount: '/data' },
      { name: 'config', mount: '/config' },
    ],
    accounts: {
      kind: 'htpasswd',
      volume: 'config',
      file: 'users',
      rights: {
        format: 'radicale',
        file: 'rights',
        shared: { volume: 'data', root: 'collections/collection-root', folder: 'groups' },
      },
    },
    healthCheck: { kind: 'http', port: 5232, path: '/.web/', status: 200 },
    peerInstructions: [
      { label: 'Server (CalDAV and CardDAV)', kind: 'url', value: 'https://{{host}}/' },
      { label: 'Username', kind: 'username', value: '{{user}}' },
      { label: "Your groups' shared calendars", kind: 'url', value: 'https://{{host}}/groups/' },
    ],
  },
  {
    manifestVersion: 1,
    id: 'files',
    name: 'Files (WebDAV)',
    version: '2.4.0',
    description:
      'A WebDAV share (Apache mod_dav) that phones, file managers and backup tools mount as a drive. This image ' +
      'shares one folder with every account; a folder per user needs an image that reads the access.conf the cell renders.',
    category: 'files',
    icon: 'folder',
    // Observed as the repository digest of bytemark/webdav.
    image: 'bytemark/webdav@sha256:bcabbc024c511b9c63ed3345f88573e31d84c952ee493c9acb3fe345f4f80f57',
    ports: [{ name: 'http', protocol: 'tcp', container: 80 }],
    routes: peersWeb('files', 80),
    volumes: [{ name: 'data', mount: '/var/lib/dav' }],
    accounts: { kind: 'htpasswd', volume: 'data', file: 'user.passwd' },
    healthCheck: { kind: 'tcp', port: 80 },
    peerInstructions: [
      { label: 'Shared folder (WebDAV)', kind: 'url', value: 'https://{{host}}/' },
      { label: 'Username', kind: 'username', value: '{{user}}' },
    ],
  },
  {
    manifestVersion: 1,
    id: 'wireguard-ext',
    name: 'Exit: external WireGuard',
    version: '1.0.0',
    description: "Sends chosen peers' internet traffic through a WireGuard tunnel to a VPN provider.",
    category: 'exit',
    icon: 'globe',
    // Observed as a repository digest of linuxserver/wireguard.
    image: 'linuxserver/wireguard@sha256:0dfaeb571eb3cf438d5c34508d49d7bf29df938d408a92da0448a9e8328a7819',
    instanceable: true,
    env: [{ name: 'PROVIDER_CONFIG', type: 'password', label: "The provider's WireGuard config" }],
    volumes: [{ name: 'config', mount: '/config' }],
    egress: { allowed: true },
  },
  {
    manifestVersion: 1,
    id: 'openvpn-client',
    name: 'Exit: OpenVPN client',
    version: '1.0.0',
    description:
      "Sends chosen peers' internet traffic through an OpenVPN tunnel to a VPN provider, from the provider's .ovpn file " +
      '(Gluetun as a custom OpenVPN client).',
    category: 'exit',
    icon: 'globe',
    // Observed in public compose files as the repository digest of qmcgaw/gluetun:v3.41.3.
    image: 'qmcgaw/gluetun@sha256:fa19cc76b2af13d57a8d3dc3066f2ada061b1c761b8aecf989b3877c0486e027',
    instanceable: true,
    env: [{ name: 'PROVIDER_CONFIG', type: 'password', label: "The provider's OpenVPN config (.ovpn)" }],
    fixedEnv: {
      VPN_SERVICE_PROVIDER: 'custom',
      VPN_TYPE: 'openvpn',
      OPENVPN_CUSTOM_CONFIG: '/gluetun/custom.ovpn',
    },
    volumes: [{ name: 'config', mount: '/gluetun' }],
    egress: { allowed: true },
  },
  {
    manifestVersion: 1,
    id: 'tor',
    name: 'Exit: Tor',
    version: '1.0.0',
    description: "Sends chosen peers' internet traffic through the Tor network.",
    category: 'exit',
    icon: 'shield',
    // Observed as a repository digest of dperson/torproxy.
    image: 'dperson/torproxy@sha256:d8b5f1cf24f1b7a0aa334929a264b2606a107223dd0d51eb1cda8aae6fbeec53',
    instanceable: true,
    ports: [
      { name: 'socks', protocol: 'tcp', container: 9050 },
      { name: 'http', protocol: 'tcp', container: 8118 },
    ],
    healthCheck: { kind: 'tcp', port: 9050 },
    egress: { allowed: true },
  },
];
