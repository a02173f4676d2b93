/** What `iptables-save` prints, read: the cell's chains, their rules, its hooks and counters. */
import { createHash } from 'node:crypto';
import type { Table } from './model';
import { OWN_CHAIN } from './render';

export const TABLES: Table[] = ['filter', 'nat', 'mangle'];

export interface Saved {
  /** Per table: the cell's chains and the built-in chains' lines that jump to them. */
  own: Record<Table, { chains: string[]; lines: string[]; hooks: string[] }>;
  /** The lines of the cell's chains and hooks, counters dropped, hashed. */
  fingerprint: string;
  /** The same in the renderer's canonical form (see `expectedCanonical`). */
  canonical: string;
}

/** Reads `iptables-save` output: the cell's chains, their rules and the hooks into them. */
export function parseSave(text: string): Saved {
  const own = Object.fromEntries(
    TABLES.map((t) => [t, { chains: [], lines: [], hooks: [] }]),
  ) as unknown as Saved['own'];
  let table: Table | null = null;
  for (const raw of text.split('\n')) {
    // Counters go, and the protocol match iptables adds on its own (`-p udp -m udp`).
    const line = raw.replace(/^\[\d+:\d+\] /, '').replace(/ -p (tcp|udp) -m \1 /, ' -p $1 ');
    if (line.startsWith('*')) table = (TABLES as string[]).includes(line.slice(1)) ? (line.slice(1) as Table) : null;
    if (!table) continue;
    const decl = /^:(\S+) /.exec(line);
    if (decl && OWN_CHAIN.test(decl[1]!)) own[table].chains.push(decl[1]!);
    const rule = /^-A (\S+) .*?-j (\S+)/.exec(line) ?? /^-A (\S+)/.exec(line);
    if (!rule) continue;
    if (OWN_CHAIN.test(rule[1]!)) own[table].lines.push(line);
    else if (rule[2] && OWN_CHAIN.test(rule[2])) own[table].hooks.push(line);
  }
  const canonical = TABLES.map((t) => {
    const byChain = [...own[t].chains]
      .sort()
      .flatMap((c) => [`:${c}`, ...own[t].lines.filter((l) => l.startsWith(`-A ${c} `))]);
    return [`*${t}`, ...byChain, ...[...own[t].hooks].sort()].join('\n');
  }).join('\n');
  const fingerprint = createHash('sha256').update(canonical).digest('hex');
  return { own, fingerprint, canonical };
}

/** Reads the kernel's counters for the cell's chains: per chain, one `[packets:bytes]` per rule in order. */
export function parseCounters(text: string): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^\[(\d+):(\d+)\] -A (PIC-[A-Z0-9-]+) /.exec(line);
    if (!m) continue;
    const key = `${table}/${m[3]}`;
    out.set(key, [...(out.get(key) ?? []), [Number(m[1]), Number(m[2])]]);
  }
  return out;
}
