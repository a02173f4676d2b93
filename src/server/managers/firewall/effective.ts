/** The rules as the Firewall page lists them: each with its owner and the kernel's counters. */
import type { Db } from '../../db';
import { familiesOf, firewallBackend, TOOLS } from './apply';
import type { Table } from './model';
import { ruleSpec } from './render';
import { parseCounters, TABLES } from './save-text';

export interface EffectiveRule {
  family: 4 | 6;
  table: Table;
  chain: string;
  position: number;
  owner: string;
  why: string;
  ref: string | null;
  /** The rule as iptables reads it. */
  spec: string;
  packets: number | null;
  bytes: number | null;
}

/**
 * Every rule of the cell's chains with its owner, and the kernel's packet and byte counts
 * when the kernel holds the same chains (null where it cannot be read or differs).
 */
export async function effectiveRules(db: Db): Promise<{ rules: EffectiveRule[]; countersError: string | null }> {
  const backend = firewallBackend(db);
  const built = familiesOf(db, backend.iface ?? 'wg0');
  if (!built) return { rules: [], countersError: 'The tunnel is not configured yet' };
  const rules: EffectiveRule[] = [];
  let countersError: string | null = null;
  for (const family of built.families) {
    let counters = new Map<string, [number, number][]>();
    if (backend.netfilter) {
      try {
        const r = await backend.netfilter([`${TOOLS[family.family]}-save`, '-c']);
        if (r.ok) counters = parseCounters(r.out);
        else countersError = r.err.trim() || `${TOOLS[family.family]}-save failed`;
      } catch (err) {
        // No engine, no container: the rules are listed without counters.
        countersError = err instanceof Error ? err.message : String(err);
      }
    } else countersError = `${backend.description} takes no packet rules`;
    for (const table of TABLES)
      for (const chain of family.tables[table]) {
        const live = counters.get(`${table}/${chain.name}`);
        const same = live?.length === chain.rules.length;
        chain.rules.forEach((r, i) =>
          rules.push({
            family: family.family,
            table,
            chain: chain.name,
            position: i + 1,
            owner: r.owner,
            why: r.why,
            ref: r.ref ?? null,
            spec: ruleSpec({ ...r, why: '' }, family.family),
            packets: same ? live[i]![0] : null,
            bytes: same ? live[i]![1] : null,
          }),
        );
      }
  }
  return { rules, countersError };
}
