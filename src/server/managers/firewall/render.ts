/**
 * The firewall's chains as `iptables-restore --noflush` documents: only the cell's own
 * chains (`PIC-…`) are declared, which empties and refills them in one atomic step per
 * table; built-in and foreign chains are never named here (their hooks are checked apart).
 * Every value is checked again, so no field can add a line or an option.
 */
import { checked, CIDR, GENERATED, IPV4, RenderError, safeComment } from '../render-guard';

/** The structured rules the model builds and this file writes out. */
export type Protocol = 'tcp' | 'udp' | 'icmp';
/** Who a rule is there for, as the Firewall page lists it. */
export type Owner = 'core' | 'group' | 'peer' | 'service' | 'custom';

export interface NfRule {
  src?: string;
  dst?: string;
  /** Packets arriving on (`in`) or leaving by (`out`) an interface: the hooks only. */
  in?: string;
  proto?: Protocol;
  /** `53`, `80,443`, `8000:8100` (iptables' range form). */
  dports?: string;
  /** Matches only packets of connections already seen (replies): never a new connection. */
  established?: boolean;
  /** ACCEPT, DROP, RETURN, DNAT, MASQUERADE or one of the cell's chains. */
  target: string;
  toDestination?: string;
  owner: Owner;
  /** What it is, for people: `rule 3: no TV for the kids`. */
  why: string;
  /** What it belongs to: `rule:3`, `group:2`, `peer:7`, `service:dns`. */
  ref?: string;
}

export interface Chain {
  name: string;
  rules: NfRule[];
  /** A helper whose verdict is the calling rule's (the tester reports the caller). */
  helper?: boolean;
}

export interface Hook {
  table: Table;
  /** The built-in chain. */
  chain: string;
  rule: NfRule;
}

export type Table = 'filter' | 'nat' | 'mangle';
export interface FamilyRules {
  family: 4 | 6;
  tables: Record<Table, Chain[]>;
  hooks: Hook[];
}

export const OWN_CHAIN = /^PIC-[A-Z0-9-]{1,24}$/;
const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'DNAT', 'MASQUERADE']);
const IFACE = /^[A-Za-z0-9_.=+-]{1,15}$/;
const PORTS = /^\d{1,5}(:\d{1,5})?(,\d{1,5}(:\d{1,5})?){0,14}$/;

/** One rule as iptables reads it, without the `-A chain` in front. */
export function ruleSpec(r: NfRule, family: 4 | 6): string {
  const out: string[] = [];
  if (r.in) out.push('-i', checked(r.in, IFACE, 'interface'));
  if (r.src) out.push('-s', checked(r.src, CIDR, 'source'));
  if (r.dst) out.push('-d', checked(r.dst, CIDR, 'destination'));
  if (r.proto) {
    const proto = r.proto === 'icmp' && family === 6 ? 'ipv6-icmp' : checked(r.proto, /^(tcp|udp|icmp)$/, 'protocol');
    out.push('-p', proto);
  }
  if (r.dports) {
    if (r.proto !== 'tcp' && r.proto !== 'udp') throw new RenderError('ports need the protocol tcp or udp');
    const ports = checked(r.dports, PORTS, 'ports');
    out.push(...(ports.includes(',') ? ['-m', 'multiport', '--dports', ports] : ['--dport', ports]));
  }
  if (r.established) out.push('-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED');
  // Comments are for people reading `iptables -S`: reduced to a safe alphabet without quotes.
  if (r.why) out.push('-m', 'comment', '--comment', `"${safeComment(`${r.owner}: ${r.why}`).slice(0, 120)}"`);
  if (!VERDICTS.has(r.target) && !OWN_CHAIN.test(r.target))
    throw new RenderError(`refusing to render a jump to ${JSON.stringify(r.target).slice(0, 40)}`);
  out.push('-j', r.target);
  if (r.target === 'DNAT') {
    const [address, port] = (r.toDestination ?? '').split(':');
    out.push(
      '--to-destination',
      `${checked(address ?? '', IPV4, 'DNAT address')}:${checked(port ?? '', /^\d{1,5}$/, 'DNAT port')}`,
    );
  }
  return out.join(' ');
}

export interface Stale {
  /** Chains of the cell's that the kernel holds and this render no longer has (older names included). */
  chains: string[];
  /** `iptables-save` lines of built-in chains that jump to them (`-A FORWARD … -j PIC-WG-PEERS`). */
  hooks: string[];
}

function renderTable(table: Table, chains: Chain[], family: 4 | 6, stale?: Stale): string[] {
  const lines = [`*${table}`];
  const doomed = (stale?.chains ?? []).filter((c) => !chains.some((k) => k.name === c));
  for (const c of [...chains.map((k) => k.name), ...doomed])
    lines.push(`:${checked(c, OWN_CHAIN, 'chain name')} - [0:0]`);
  for (const c of chains) for (const r of c.rules) lines.push(`-A ${c.name} ${ruleSpec(r, family)}`);
  // Hooks into chains that go away are removed first: a chain still referenced cannot be deleted.
  for (const hook of stale?.hooks ?? []) {
    const m = /^-A ([A-Z]+) (.+ -j (PIC-[A-Z0-9-]+))$/.exec(hook);
    if (!m || !doomed.includes(m[3]!) || /["'\n]/.test(m[2]!))
      throw new RenderError(`refusing to remove hook ${JSON.stringify(hook).slice(0, 80)}`);
    lines.push(`-D ${m[1]} ${m[2]}`);
  }
  for (const c of doomed) lines.push(`-X ${c}`);
  lines.push('COMMIT');
  return lines;
}

/** One document for a family: filter, nat (IPv4) and mangle, each committed on its own. */
export function renderFamily(rules: FamilyRules, stale?: Partial<Record<Table, Stale>>): string {
  const tables: Table[] = ['filter', 'nat', 'mangle'];
  const lines = [
    `# ${GENERATED}`,
    `# IPv${rules.family} rules of the cell's own chains, for iptables-restore --noflush`,
  ];
  for (const t of tables) {
    if (!rules.tables[t].length && !stale?.[t]?.chains.length) continue;
    lines.push(...renderTable(t, rules.tables[t], rules.family, stale?.[t]));
  }
  return lines.join('\n') + '\n';
}

export { RenderError };
