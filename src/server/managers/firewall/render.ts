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

/** Each rule's text, once per rule object: a load renders it, the delta and the expected reading reuse it. */
const specs = new WeakMap<NfRule, string>();
const specOf = (r: NfRule, family: 4 | 6) => {
  let spec = specs.get(r);
  if (spec === undefined) specs.set(r, (spec = ruleSpec(r, family)));
  return spec;
};

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

/** One edit of a chain by position (1-based, as iptables counts): replace, delete or insert. */
export type ChainEdit =
  { op: 'replace' | 'insert'; chain: string; at: number; rule: NfRule } | { op: 'delete'; chain: string; at: number };

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
  for (const c of chains) for (const r of c.rules) lines.push(`-A ${c.name} ${specOf(r, family)}`);
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

/** One rule as `iptables-save` prints it: `-A chain spec`. */
const appendLine = (chain: string, r: NfRule, family: 4 | 6) => `-A ${chain} ${specOf(r, family)}`;

/**
 * What `iptables-save` prints for the cell's chains and hooks, in a canonical order: per table,
 * each chain (sorted) with its rules in order, then the hooks (sorted). The read of the
 * kernel is put in the same form (see `canonicalSave`), so the two compare as text.
 */
export function expectedCanonical(rules: FamilyRules): string {
  const tables: Table[] = ['filter', 'nat', 'mangle'];
  return tables
    .map((t) => {
      const chains = [...rules.tables[t]].sort((a, b) => (a.name < b.name ? -1 : 1));
      const hooks = rules.hooks
        .filter((h) => h.table === t)
        .map((h) => appendLine(h.chain, { ...h.rule, why: '' }, rules.family))
        .sort();
      return [
        `*${t}`,
        ...chains.flatMap((c) => [`:${c.name}`, ...c.rules.map((r) => appendLine(c.name, r, rules.family))]),
        ...hooks,
      ].join('\n');
    })
    .join('\n');
}

/** A few peers' edits (see `patchPeers`) as one `iptables-restore --noflush` document. */
export function renderEdits(family: 4 | 6, edits: readonly ChainEdit[]): string {
  const lines = edits.map((e) => {
    const chain = checked(e.chain, OWN_CHAIN, 'chain name');
    const at = checked(String(e.at), /^[1-9]\d{0,6}$/, 'position');
    if (e.op === 'delete') return `-D ${chain} ${at}`;
    return `-${e.op === 'replace' ? 'R' : 'I'} ${chain} ${at} ${specOf(e.rule, family)}`;
  });
  return [
    `# ${GENERATED}`,
    `# IPv${family} peers' lines, for iptables-restore --noflush`,
    '*filter',
    ...lines,
    'COMMIT',
  ]
    .join('\n')
    .concat('\n');
}

/**
 * The fewest commands that turn the chains of `prev` into those of `next` (both this
 * renderer's): per chain, the rules between the common start and end are replaced, deleted
 * or inserted by position; a chain that changed mostly is emptied and filled again; new
 * chains are made and chains no longer used are emptied and deleted once nothing jumps to
 * them. Null when the hooks differ (a full load handles that).
 */
export function renderDelta(prev: FamilyRules, next: FamilyRules): string | null {
  const f = next.family;
  const hookKey = (r: FamilyRules) =>
    r.hooks.map((h) => `${h.table} ${appendLine(h.chain, { ...h.rule, why: '' }, f)}`).join('\n');
  if (prev.family !== f || hookKey(prev) !== hookKey(next)) return null;
  const lines = [`# ${GENERATED}`, `# IPv${f} changes to the cell's own chains, for iptables-restore --noflush`];
  for (const t of ['filter', 'nat', 'mangle'] as Table[]) {
    const before = new Map(prev.tables[t].map((c) => [c.name, c.rules.map((r) => specOf(r, f))]));
    const ops: string[] = [];
    const made: string[] = [];
    for (const c of next.tables[t]) {
      const name = checked(c.name, OWN_CHAIN, 'chain name');
      const now = c.rules.map((r) => specOf(r, f));
      const was = before.get(name);
      if (!was) {
        made.push(`-N ${name}`);
        ops.push(...now.map((s) => `-A ${name} ${s}`));
        continue;
      }
      let start = 0;
      while (start < was.length && start < now.length && was[start] === now[start]) start++;
      let end = 0;
      while (
        end < was.length - start &&
        end < now.length - start &&
        was[was.length - 1 - end] === now[now.length - 1 - end]
      )
        end++;
      const gone = was.length - start - end;
      const added = now.slice(start, now.length - end);
      if (gone + added.length > 64 && gone + added.length > now.length / 2) {
        ops.push(`-F ${name}`, ...now.map((s) => `-A ${name} ${s}`));
        continue;
      }
      const replaced = Math.min(gone, added.length);
      for (let i = 0; i < replaced; i++) ops.push(`-R ${name} ${start + i + 1} ${added[i]}`);
      for (let i = replaced; i < gone; i++) ops.push(`-D ${name} ${start + replaced + 1}`);
      for (let i = replaced; i < added.length; i++) ops.push(`-I ${name} ${start + i + 1} ${added[i]}`);
    }
    const kept = new Set(next.tables[t].map((c) => c.name));
    const dropped = [...before.keys()].filter((c) => !kept.has(c));
    const drop = dropped.flatMap((c) => [`-F ${c}`]).concat(dropped.map((c) => `-X ${c}`));
    if (!made.length && !ops.length && !drop.length) continue;
    lines.push(`*${t}`, ...made, ...ops, ...drop, 'COMMIT');
  }
  return lines.join('\n') + '\n';
}
