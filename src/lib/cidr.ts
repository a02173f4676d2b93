/**
 * IPv4 and IPv6 address math for allocation and validation. Isomorphic: the
 * forms and the server use the same functions. IPv4 addresses are unsigned
 * 32-bit numbers, IPv6 addresses bigints.
 */

export type Family = 4 | 6;
export interface Cidr {
  family: Family;
  /** Network address (host bits zero). */
  network: bigint;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseIpv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return null;
  let tail: number[] = [];
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parseIpv4(v4[2]!);
    if (n === null) return null;
    tail = [n >>> 16, n & 0xffff];
    text = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const all = [
    ...head.map((g) => parseInt(g, 16)),
    ...Array(8 - given).fill(0),
    ...rest.map((g) => parseInt(g, 16)),
    ...tail,
  ];
  return all.reduce((acc: bigint, g: number) => (acc << 16n) | BigInt(g), 0n);
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run of zero groups as `::`. */
export function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parseAddress(s: string): { family: Family; value: bigint } | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: BigInt(v4) };
  const v6 = parseIpv6(s);
  return v6 === null ? null : { family: 6, value: v6 };
}

export function formatAddress(family: Family, value: bigint): string {
  return family === 4 ? formatIpv4(Number(value)) : formatIpv6(value);
}

function mask(family: Family, prefix: number): bigint {
  const bits = BITS[family];
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

export type CidrProblem = 'syntax' | 'prefix' | 'host-bits';

/** Parses `addr/prefix`; with `strict`, host bits must be zero (a network, not an address in one). */
export function parseCidr(s: string, { strict = true } = {}): Cidr | CidrProblem {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return 'syntax';
  const addr = parseAddress(m[1]!);
  if (!addr) return 'syntax';
  const prefix = Number(m[2]);
  if (prefix > BITS[addr.family]) return 'prefix';
  const network = addr.value & mask(addr.family, prefix);
  if (strict && network !== addr.value) return 'host-bits';
  return { family: addr.family, network, prefix };
}

export function isCidr(c: Cidr | CidrProblem): c is Cidr {
  return typeof c === 'object';
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.family, c.network)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, family: Family, value: bigint): boolean {
  return family === c.family && (value & mask(c.family, c.prefix)) === c.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & mask(a.family, p)) === (b.network & mask(b.family, p));
}

/** Number of addresses in the block. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(BITS[c.family] - c.prefix);
}

/** The address `index` steps into the block (0 is the network address). */
export function cidrHost(c: Cidr, index: number | bigint): string {
  return formatAddress(c.family, c.network + BigInt(index));
}

/** Host number of an address inside the block, or null when it lies outside. */
export function cidrIndexOf(c: Cidr, address: string): number | null {
  const a = parseAddress(address);
  if (!a || !cidrContains(c, a.family, a.value)) return null;
  return Number(a.value - c.network);
}

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => parseCidr(s) as Cidr);
const ULA = parseCidr('fc00::/7') as Cidr;

/** Inside one of the RFC 1918 private blocks. */
export function isRfc1918(c: Cidr): boolean {
  return c.family === 4 && PRIVATE_V4.some((p) => p.prefix <= c.prefix && cidrContains(p, 4, c.network));
}

/** Inside the unique local range fc00::/7 (RFC 4193). */
export function isUla(c: Cidr): boolean {
  return c.family === 6 && c.prefix >= 7 && cidrContains(ULA, 6, c.network);
}

/** Blocks no device on the internet can route to: private, shared (CGNAT), loopback and link-local. */
const LOCAL_ONLY = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
].map((s) => parseCidr(s) as Cidr);

/** Whether an address can only be reached from inside a local network. */
export function isLocalOnlyAddress(address: string): boolean {
  const a = parseAddress(address);
  return Boolean(a && LOCAL_ONLY.some((c) => cidrContains(c, a.family, a.value)));
}
