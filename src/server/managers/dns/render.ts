/**
 * Pure renderers for CoreDNS: the Corefile and one RFC 1035 zone file per zone (and per
 * view of the cell's domain). Names, addresses and targets are checked against strict
 * patterns; TXT data is quoted with every special byte escaped, so nothing a person
 * types can become a directive.
 */
import type { RecordType } from '@/lib/schemas/dns';
import { checked, CIDR, GENERATED, HOSTNAME, IP, IPV4, IPV6, RenderError, safeComment } from '../render-guard';
import { parseHostPort } from '@/lib/schemas/common';

export interface ZoneRecord {
  /** Relative to the zone: `@` for the apex, `www`, `_sip._tcp`, `*.lab`. */
  name: string;
  type: RecordType;
  ttl: number;
  /**
   * A/AAAA: an address. CNAME: a target name. TXT: free text. MX: `<preference> <exchange>`.
   * SRV: `<priority> <weight> <port> <target>`. Targets are relative to the zone unless they end in a dot.
   */
  value: string;
  /** Who made it (for the comment): `peer alice`, `service ntp`, `custom`. */
  source?: string;
}

export interface ZoneModel {
  /** The zone's name without the final dot: `cell`, `example.org`. */
  origin: string;
  serial: number;
  /** The name server's address inside this view (the cell's tunnel address, or the public one). */
  nsAddress: string;
  defaultTtl: number;
  records: ZoneRecord[];
  /** For the header only: `internal view`, `external view`. */
  note?: string;
}

const LABEL = /^(?:\*|[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$/;
const ORIGIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function owner(name: string): string {
  if (name === '@') return '@';
  const labels = name.split('.');
  // A wildcard is only allowed as the leftmost label.
  if (!labels.every((l, i) => LABEL.test(l) && (l !== '*' || i === 0)))
    throw new RenderError(`refusing to render record name ${JSON.stringify(name)}`);
  return name;
}

function target(name: string): string {
  if (name === '@') return '@';
  if (!HOSTNAME.test(name.replace(/^_|\._/g, (m) => m.replace('_', 'x'))))
    throw new RenderError(`refusing to render target ${JSON.stringify(name)}`);
  return name;
}

/** TXT data: quoted strings of at most 255 bytes; quotes, backslashes and non-printable bytes escaped. */
export function txtData(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length || chunks.length === 0; i += 255) {
    let out = '';
    for (const b of bytes.subarray(i, i + 255)) {
      if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
      else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
      else out += String.fromCharCode(b);
    }
    chunks.push(`"${out}"`);
    if (bytes.length === 0) break;
  }
  return chunks.join(' ');
}

function rdata(r: ZoneRecord): string {
  const v = r.value.trim();
  switch (r.type) {
    case 'A':
      return checked(v, IPV4, `A value of ${r.name}`);
    case 'AAAA':
      return checked(v, IPV6, `AAAA value of ${r.name}`);
    case 'CNAME':
      return target(v);
    case 'TXT':
      return txtData(r.value);
    case 'MX': {
      const m = /^(\d{1,5})\s+(\S+)$/.exec(v);
      if (!m || Number(m[1]) > 65535) throw new RenderError(`refusing to render MX value ${JSON.stringify(v)}`);
      return `${m[1]} ${target(m[2]!)}`;
    }
    case 'SRV': {
      const m = /^(\d{1,5})\s+(\d{1,5})\s+(\d{1,5})\s+(\S+)$/.exec(v);
      if (!m || [m[1], m[2], m[3]].some((n) => Number(n) > 65535))
        throw new RenderError(`refusing to render SRV value ${JSON.stringify(v)}`);
      return `${m[1]} ${m[2]} ${m[3]} ${target(m[4]!)}`;
    }
  }
}

const TYPE_ORDER: Record<RecordType, number> = { A: 0, AAAA: 1, CNAME: 2, MX: 3, SRV: 4, TXT: 5 };

export function renderZone(z: ZoneModel): string {
  const origin = checked(z.origin, ORIGIN, 'zone origin');
  const ns = checked(z.nsAddress, IP, 'name server address');
  const serial = checked(z.serial, /^\d{1,10}$/, 'serial');
  if (z.serial > 4294967295) throw new RenderError('serial is beyond 32 bits');
  const ttl = (t: number) => checked(t, /^\d{1,7}$/, 'TTL');
  const lines = [
    `; ${GENERATED}`,
    `; Zone ${origin}${z.note ? ` (${safeComment(z.note)})` : ''}`,
    `$ORIGIN ${origin}.`,
    `$TTL ${ttl(z.defaultTtl)}`,
    `@\tIN\tSOA\tns.${origin}. hostmaster.${origin}. ( ${serial} 3600 600 604800 ${ttl(Math.min(z.defaultTtl, 3600))} )`,
    `@\tIN\tNS\tns.${origin}.`,
    `ns\tIN\t${ns.includes(':') ? 'AAAA' : 'A'}\t${ns}`,
  ];
  const sorted = [...z.records].sort(
    (a, b) =>
      (a.name === '@' ? -1 : 0) - (b.name === '@' ? -1 : 0) ||
      a.name.localeCompare(b.name) ||
      TYPE_ORDER[a.type] - TYPE_ORDER[b.type] ||
      a.value.localeCompare(b.value),
  );
  for (const r of sorted) {
    if (r.name === 'ns') throw new RenderError("the name ns is the zone's own name server");
    lines.push(
      `${owner(r.name)}\t${ttl(r.ttl)}\tIN\t${r.type}\t${rdata(r)}${r.source ? `\t; ${safeComment(r.source)}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface CorefileModel {
  /** Where the zone files are inside the container. */
  dir: string;
  /** Plain zones: `cell` and (without split horizon) the cell's domain. */
  zones: { origin: string; file: string }[];
  /**
   * The cell's domain with two views: internal for these networks, external for the rest.
   * Without an external file (public address unknown) outsiders are answered upstream.
   */
  splitHorizon: { origin: string; internalFile: string; externalFile: string | null; internalNets: string[] } | null;
  upstreams: string[];
  /** DNS over TLS to the upstreams, checked against this name. */
  tls: { serverName: string } | null;
  cache: boolean;
  /** The `log` plugin, only when the DNS log level is debug. */
  debugLog: boolean;
}

const FILE = /^[A-Za-z0-9._-]+\.zone$/;
const DIR = /^\/[A-Za-z0-9._/-]*$/;

function serverBlock(name: string, body: string[]): string[] {
  return [`${name} {`, ...body.map((l) => `    ${l}`), '}'];
}

/** `forward` to the upstream resolvers, over TLS when asked. */
function forwardLines(m: CorefileModel): string[] {
  if (!m.upstreams.length) throw new RenderError('at least one upstream resolver is needed');
  const upstreams = m.upstreams.map((u) => {
    const parsed = parseHostPort(u);
    if (!parsed)
      throw new RenderError(
        `refusing to render upstream resolver: ${JSON.stringify(u).slice(0, 80)} is not a valid value`,
      );
    const { host, port } = parsed;
    checked(host, IP, 'upstream resolver');
    return `${m.tls ? 'tls://' : ''}${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : m.tls ? ':853' : ''}`;
  });
  return m.tls
    ? [
        `forward . ${upstreams.join(' ')} {`,
        `    tls_servername ${checked(m.tls.serverName, HOSTNAME, 'TLS server name')}`,
        '}',
      ]
    : [`forward . ${upstreams.join(' ')}`];
}

export function renderCorefile(m: CorefileModel): string {
  const dir = checked(m.dir, DIR, 'zone directory');
  const common = ['errors', ...(m.debugLog ? ['log'] : [])];
  const forward = forwardLines(m);
  const out: string[] = [`# ${GENERATED}`, '# Reloaded with SIGUSR1 on every change (no reload timer).', ''];
  for (const z of m.zones) {
    out.push(
      ...serverBlock(`${checked(z.origin, ORIGIN, 'zone')}.:53`, [
        `file ${dir}/${checked(z.file, FILE, 'zone file')}`,
        ...common,
      ]),
      '',
    );
  }
  if (m.splitHorizon) {
    const h = m.splitHorizon;
    const origin = checked(h.origin, ORIGIN, 'split-horizon zone');
    if (!h.internalNets.length) throw new RenderError('split horizon needs at least one internal network');
    const expr = h.internalNets
      .map((n) => `incidr(client_ip(), '${checked(n, CIDR, 'internal network')}')`)
      .join(' || ');
    out.push(
      ...serverBlock(`${origin}.:53`, [
        'view internal {',
        `    expr ${expr}`,
        '}',
        `file ${dir}/${checked(h.internalFile, FILE, 'zone file')}`,
        ...common,
      ]),
      '',
    );
    // Outsiders get the external view, or (public address unknown) what the public DNS says.
    const external = h.externalFile ? [`file ${dir}/${checked(h.externalFile, FILE, 'zone file')}`] : forward;
    out.push(...serverBlock(`${origin}.:53`, [...external, ...common]), '');
  }
  out.push(...serverBlock('.:53', [...forward, ...(m.cache ? ['cache 300'] : []), ...common]));
  return `${out.join('\n')}\n`;
}
