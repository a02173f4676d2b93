/** Renderer inputs shared by the golden tests and the real-tool checks, so both see the same files. */
import type { DnsmasqModel } from '@/server/managers/dhcp/render';
import type { CorefileModel, ZoneModel, ZoneRecord } from '@/server/managers/dns/render';
import type { ChronyModel } from '@/server/managers/ntp/render';

const rec = (name: string, type: ZoneRecord['type'], value: string, ttl = 300, source?: string): ZoneRecord => ({
  name,
  type,
  value,
  ttl,
  source,
});

export const ZONES: Record<string, ZoneModel> = {
  'cell-empty': { origin: 'cell', serial: 2026112301, nsAddress: '10.0.0.1', defaultTtl: 300, records: [] },
  'cell-many': {
    origin: 'cell',
    serial: 2026112302,
    nsAddress: '10.0.0.1',
    defaultTtl: 300,
    records: [
      rec('home', 'A', '10.0.0.1', 300, 'cell'),
      rec('dns', 'A', '10.0.0.1', 300, 'service dns'),
      rec('ntp', 'A', '10.0.0.1', 300, 'service ntp'),
      rec('alice-phone', 'A', '10.0.0.2', 60, 'peer alice-phone'),
      rec('alice-phone', 'AAAA', 'fd00:cafe::2', 60, 'peer alice-phone'),
      rec('bob-laptop', 'A', '10.0.0.3', 60, 'peer bob-laptop'),
      rec('calendar', 'CNAME', 'home', 3600, 'custom'),
      rec('files', 'CNAME', 'files.example.org.', 3600, 'custom'),
      rec('@', 'MX', '10 mail', 3600, 'custom'),
      rec('mail', 'A', '10.0.0.10', 3600, 'custom'),
      rec('@', 'TXT', 'v=spf1 mx -all', 3600, 'custom'),
      rec('_caldavs._tcp', 'SRV', '0 1 443 calendar', 3600, 'custom'),
      rec('*.lab', 'A', '10.0.0.20', 300, 'custom'),
      rec('long', 'TXT', `k=${'A1b2C3d4'.repeat(60)}`, 300, 'custom'),
    ],
  },
  'domain-internal': {
    origin: 'example.org',
    serial: 7,
    nsAddress: '10.0.0.1',
    defaultTtl: 300,
    note: 'internal view',
    records: [rec('@', 'A', '10.0.0.1'), rec('calendar', 'A', '10.0.0.1'), rec('@', 'AAAA', 'fd00:cafe::1')],
  },
  'domain-external': {
    origin: 'example.org',
    serial: 7,
    nsAddress: '203.0.113.7',
    defaultTtl: 300,
    note: 'external view',
    records: [rec('@', 'A', '203.0.113.7'), rec('calendar', 'A', '203.0.113.7'), rec('@', 'AAAA', '2001:db8::7')],
  },
  'cell-hostile-txt': {
    origin: 'cell',
    serial: 1,
    nsAddress: '10.0.0.1',
    defaultTtl: 300,
    records: [
      rec('note', 'TXT', 'a "quote"; a \\backslash\n$INCLUDE /etc/passwd\n} { ünïcode', 300, 'custom; with\nnewline'),
    ],
  },
};

export const COREFILES: Record<string, CorefileModel> = {
  plain: {
    dir: '/etc/coredns',
    zones: [
      { origin: 'cell', file: 'cell.zone' },
      { origin: 'home.arpa', file: 'home.arpa.zone' },
    ],
    splitHorizon: null,
    upstreams: ['1.1.1.1', '9.9.9.9:53'],
    tls: null,
    cache: true,
    debugLog: false,
  },
  'split-tls-debug': {
    dir: '/etc/coredns',
    zones: [{ origin: 'cell', file: 'cell.zone' }],
    splitHorizon: {
      origin: 'example.org',
      internalFile: 'example.org.internal.zone',
      externalFile: 'example.org.external.zone',
      internalNets: ['10.0.0.0/24', 'fd00:cafe::/64', '172.20.0.0/16'],
    },
    upstreams: ['1.1.1.1', '2606:4700:4700::1111', '[2606:4700:4700::1001]:853'],
    tls: { serverName: 'cloudflare-dns.com' },
    cache: false,
    debugLog: true,
  },
  'split-no-public': {
    dir: '/etc/coredns',
    zones: [{ origin: 'cell', file: 'cell.zone' }],
    splitHorizon: {
      origin: 'home.home.arpa',
      internalFile: 'home.home.arpa.internal.zone',
      externalFile: null,
      internalNets: ['10.0.0.0/24', '172.20.0.0/16'],
    },
    upstreams: ['1.1.1.1', '9.9.9.9'],
    tls: null,
    cache: true,
    debugLog: false,
  },
};

export const CHRONY: Record<string, ChronyModel> = {
  default: {
    sources: [
      { kind: 'pool', host: 'pool.ntp.org', iburst: true },
      { kind: 'server', host: 'time.cloudflare.com', iburst: true },
      { kind: 'server', host: '192.0.2.123', iburst: false },
    ],
    allow: ['10.0.0.0/24', 'fd00:cafe::/64', '172.20.0.0/16'],
    localStratum: 10,
  },
  'local-only': { sources: [], allow: ['10.0.0.0/24'], localStratum: 8 },
};

export const DNSMASQ: Record<string, DnsmasqModel> = {
  lan: {
    interface: 'eth0',
    rangeStart: '192.168.1.100',
    rangeEnd: '192.168.1.200',
    netmask: '255.255.255.0',
    leaseSeconds: 43200,
    gateway: '192.168.1.1',
    dnsServer: '192.168.1.2',
    domain: 'home.arpa',
    reservations: [
      { mac: 'AA:BB:CC:DD:EE:01', address: '192.168.1.50', name: 'printer' },
      { mac: 'aa:bb:cc:dd:ee:02', address: '192.168.1.51', name: 'nas' },
    ],
  },
  minimal: {
    interface: 'br-lan',
    rangeStart: '10.9.0.10',
    rangeEnd: '10.9.0.20',
    netmask: '255.255.255.0',
    leaseSeconds: 3600,
    gateway: null,
    dnsServer: '10.9.0.1',
    domain: null,
    reservations: [],
  },
};
