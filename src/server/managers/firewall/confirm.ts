/**
 * Commit-confirm: a change to groups or rules is applied at once and must be confirmed within
 * the window (60 s); if no confirmation comes (the admin cut themselves off), the groups and
 * rules as they were are put back and applied again. A change that would cut the caller off
 * the web app through the tunnel is refused outright.
 */
import { cidrContains, parseAddress, parseCidr } from '@/lib/cidr';
import type { Db } from '../../db';
import { firewallRules, peerGroupMembers, peerGroups } from '../../db/schema';
import { ValidationError } from '../../errors';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { appendAudit } from '../audit';
import { lastFirewallApply } from './apply';
import { decide, type Decision, type Packet } from './decide';
import { buildRules, type FirewallInputs } from './model';
import {
  listGroupRows,
  listMembers,
  listRuleRows,
  loadInputs,
  sources,
  stateRow,
  updateState,
  type GroupRow,
  type RuleRow,
} from './state';

const DEFAULT_CONFIRM_SECONDS = 60;

export function confirmWindowMs(db: Db): number {
  const s = Number(runtimeOf(db).env.PIC_FIREWALL_CONFIRM_SECONDS);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_CONFIRM_SECONDS) * 1000;
}

interface Snapshot {
  groups: GroupRow[];
  members: { groupId: number; peerId: number }[];
  rules: RuleRow[];
}

/**
 * Runs a change to groups or rules in one transaction: the first change of a window keeps
 * what was there before, and a change that would cut the caller off from the web app
 * through the tunnel is refused. Then the rules are applied.
 */
export async function confirmable<T extends object>(db: Db, clientAddress: string | null, change: (tx: Db) => T) {
  const now = runtimeOf(db).clock();
  const confirmBy = new Date(now.getTime() + confirmWindowMs(db));
  const value = db.transaction(
    (t) => {
      const tx = t as unknown as Db;
      const state = stateRow(tx);
      if (!state?.confirmBy) {
        const before: Snapshot = { groups: listGroupRows(tx), members: listMembers(tx), rules: listRuleRows(tx) };
        updateState(tx, { pendingPrevious: before, confirmBy, rolledBackAt: null });
      } else updateState(tx, { confirmBy });
      const out = change(tx);
      if (clientAddress) assertKeepsAccess(tx, clientAddress);
      return out;
    },
    { behavior: 'immediate' },
  );
  const { firewall } = await changed(db, ['firewall'], { wait: true });
  // What changed, with how the rules were applied and until when the change waits for confirmation.
  return {
    ...value,
    apply: firewall?.ok ? firewall.value : firewall ? { state: 'pending', reason: firewall.error.message } : null,
    confirmBy,
  };
}

/** The web app's port on Caddy, as the tunnel reaches it. */
function webPacket(inputs: FirewallInputs, src: string): Packet | null {
  const web = inputs.services.find((s) => s.name === 'web');
  return web ? { src, dst: web.address, proto: 'tcp', port: 443 } : null;
}

/** Refuses a change after which the caller, connected through the tunnel, could no longer reach the web app. */
function assertKeepsAccess(tx: Db, clientAddress: string): void {
  const inputs = loadInputs(tx);
  const a = parseAddress(clientAddress);
  const v4 = inputs && parseCidr(inputs.tunnel.subnet);
  if (!inputs || !a || a.family !== 4 || !v4 || typeof v4 === 'string' || !cidrContains(v4, 4, a.value)) return;
  const packet = webPacket(inputs, clientAddress);
  if (!packet) return;
  const decision = decide(buildRules(inputs).v4, packet);
  if (!decision.allowed)
    throw new ValidationError(
      `This change would cut your own access to the web app: you are connected through the tunnel from ${clientAddress}, and ${describe(decision)} would drop it. Change the rule, or make the change from the LAN.`,
    );
}

export function describe(d: Decision): string {
  return `${d.rule.owner} rule "${d.rule.why}" (${d.rule.chain} #${d.rule.position})`;
}

/** What the pages show: the last apply, the change waiting for confirmation, the last rollback and repair. */
export function pendingState(db: Db) {
  const s = stateRow(db);
  return {
    apply: lastFirewallApply(),
    confirmBy: s?.confirmBy ?? null,
    rolledBackAt: s?.rolledBackAt ?? null,
    repairedAt: s?.repairedAt ?? null,
    repairReason: s?.repairReason ?? null,
  };
}

/** Keeps the change in place: nothing will be rolled back. */
export function confirmChange(db: Db) {
  const s = stateRow(db);
  if (!s?.confirmBy) return { confirmed: false };
  updateState(db, { pendingPrevious: null, confirmBy: null });
  return { confirmed: true };
}

/**
 * Puts the groups and rules back as they were before an unconfirmed change, once its window
 * has passed, and applies them. Peers removed since then lose their memberships and rules.
 */
export async function rollbackIfDue(db: Db): Promise<boolean> {
  const now = runtimeOf(db).clock();
  const restored = db.transaction(
    (tx) => {
      const s = stateRow(tx);
      if (!s?.confirmBy || s.confirmBy.getTime() > now.getTime()) return false;
      const before = s.pendingPrevious as Snapshot;
      const peerIds = new Set((sources.peers?.(tx) ?? []).map((p) => p.id));
      const dates = <T extends { createdAt: unknown }>(r: T) => ({ ...r, createdAt: new Date(r.createdAt as string) });
      tx.delete(firewallRules).run();
      tx.delete(peerGroupMembers).run();
      tx.delete(peerGroups).run();
      for (const g of before.groups)
        tx.insert(peerGroups)
          .values({ ...dates(g), updatedAt: new Date(g.updatedAt as unknown as string) })
          .run();
      const members = before.members.filter((m) => peerIds.has(m.peerId));
      if (members.length) tx.insert(peerGroupMembers).values(members).run();
      for (const r of before.rules) {
        const gone = [r.sourcePeerId, r.destinationPeerId].some((id) => id !== null && !peerIds.has(id));
        if (!gone) tx.insert(firewallRules).values(dates(r)).run();
      }
      updateState(tx, { pendingPrevious: null, confirmBy: null, rolledBackAt: now });
      return true;
    },
    { behavior: 'immediate' },
  );
  if (!restored) return false;
  appendAudit(db, {
    actor: 'system',
    actorRole: 'system',
    procedure: 'firewall.rollback',
    outcome: 'success',
    detail: 'The change to groups or rules was not confirmed in time: the previous rules are back',
  });
  await changed(db, ['firewall'], { wait: true });
  return true;
}
