/**
 * The tester's walk: a new connection from the tunnel through the filter chains, from the
 * hook, as the kernel walks them; the rule that accepts or drops it is the answer.
 */
import { cidrContains, parseAddress, parseCidr, type Cidr } from '@/lib/cidr';
import { CHAIN, portsContain, type FamilyRules, type Family, type NfRule, type Protocol } from './model';

export interface Packet {
  src: string;
  dst: string;
  proto: Protocol;
  port?: number;
}

export interface Decision {
  allowed: boolean;
  /** The rule that decided, with the chain it sits in and its place there (1-based). */
  rule: NfRule & { chain: string; position: number };
}

function matches(r: NfRule, p: Packet, family: Family, src: bigint, dst: bigint): boolean {
  if (r.established) return false;
  const inside = (cidr: string | undefined, value: bigint) => {
    if (!cidr) return true;
    const c = parseCidr(cidr, { strict: false }) as Cidr;
    return cidrContains(c, family, value);
  };
  if (!inside(r.src, src) || !inside(r.dst, dst)) return false;
  if (r.proto && r.proto !== p.proto) return false;
  if (r.dports && (p.port === undefined || !portsContain(r.dports, p.port))) return false;
  return true;
}

/**
 * Where a new connection from the tunnel ends: the packet walks the filter chains from the
 * hook as the kernel does, and the rule that accepts or drops it is the answer.
 */
export function decide(rules: FamilyRules, p: Packet): Decision {
  const s = parseAddress(p.src);
  const d = parseAddress(p.dst);
  if (!s || !d || s.family !== rules.family || d.family !== rules.family)
    throw new Error('source and destination must be addresses of the rule set family');
  const chains = new Map(rules.tables.filter.map((c) => [c.name, c]));
  const walk = (name: string, caller: Decision['rule'] | null, depth: number): Decision | null => {
    const chain = chains.get(name);
    if (!chain || depth > 8) throw new Error(`the rule set jumps to ${name}, which it does not hold`);
    for (const [i, r] of chain.rules.entries()) {
      if (!matches(r, p, rules.family, s.value, d.value)) continue;
      const here = { ...r, chain: name, position: i + 1 };
      if (r.target === 'RETURN') return null;
      if (r.target === 'ACCEPT' || r.target === 'DROP')
        return { allowed: r.target === 'ACCEPT', rule: chain.helper && caller ? caller : here };
      const result = walk(r.target, here, depth + 1);
      if (result) return result;
    }
    return null;
  };
  const result = walk(CHAIN.forward, null, 0);
  if (!result) throw new Error(`${CHAIN.forward} ends without a verdict`);
  return result;
}
