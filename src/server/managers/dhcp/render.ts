/**
 * Pure renderer for dnsmasq.conf as a DHCP server only (`port=0`: DNS stays with
 * CoreDNS). Every value is checked against a strict pattern before it is written.
 */
import { checked, GENERATED, HOSTNAME, IPV4, RenderError } from '../render-guard';

export interface DnsmasqModel {
  interface: string;
  rangeStart: string;
  rangeEnd: string;
  netmask: string;
  /** Lease time in seconds. */
  leaseSeconds: number;
  gateway: string | null;
  /** The cell's address on this network, handed out as the DNS server. */
  dnsServer: string;
  domain: string | null;
  reservations: { mac: string; address: string; name: string }[];
  /** debug: every exchange in full (`log-dhcp`); warn and error: none of the routine ones. Absent: info. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | null;
}

/** What dnsmasq says about DHCP at each level: it has no levels of its own, only these switches. */
function verbosity(level: DnsmasqModel['logLevel']): string[] {
  if (level === 'debug') return ['log-dhcp'];
  if (level === 'warn' || level === 'error') return ['quiet-dhcp', 'quiet-dhcp6', 'quiet-ra'];
  return [];
}

const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC = /^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function renderDnsmasqConf(m: DnsmasqModel): string {
  if (m.leaseSeconds < 120) throw new RenderError('lease time below 2 minutes');
  const lines = [
    `# ${GENERATED}`,
    'port=0',
    `interface=${checked(m.interface, IFACE, 'interface')}`,
    'bind-interfaces',
    'dhcp-authoritative',
    'dhcp-leasefile=/var/lib/misc/dnsmasq.leases',
    `dhcp-range=${checked(m.rangeStart, IPV4, 'range start')},${checked(m.rangeEnd, IPV4, 'range end')},${checked(m.netmask, IPV4, 'netmask')},${checked(m.leaseSeconds, /^\d{3,8}$/, 'lease time')}`,
    m.gateway ? `dhcp-option=option:router,${checked(m.gateway, IPV4, 'gateway')}` : 'dhcp-option=option:router',
    `dhcp-option=option:dns-server,${checked(m.dnsServer, IPV4, 'DNS server')}`,
    ...(m.domain ? [`dhcp-option=option:domain-name,${checked(m.domain, HOSTNAME, 'domain')}`] : []),
    ...m.reservations.map(
      (r) =>
        `dhcp-host=${checked(r.mac.toLowerCase(), MAC, 'MAC address')},${checked(r.address, IPV4, 'reserved address')},${checked(r.name, NAME, 'reservation name')}`,
    ),
    ...verbosity(m.logLevel),
  ];
  return `${lines.join('\n')}\n`;
}
