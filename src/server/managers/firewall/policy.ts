/**
 * Groups, memberships and the admin's rules. A change to groups or rules is applied at once
 * and must be confirmed within the window (60 s): if no confirmation comes (the admin cut
 * themselves off), the groups and rules as they were are put back and applied again.
 */
import { eq, inArray } from 'drizzle-orm';
import { parseAddress, parseCidr, cidrContains } from '@/lib/cidr';
import type { CreateGroup, CreateRule, TestInput, UpdateGroup, UpdateRule } from '@/lib/schemas/firewall';
import type { Db, DbOrTx } from '../../db';
import { firewallRules, peerGroupMembers, peerGroups } from '../../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { appendAudit } from '../audit';
import { lastFirewallApply } from './apply';
import { buildRules, decide, policyOf, type Decision, type FirewallInputs, type Packet } from './model';
import {
  knownServices,
  listGroupRows,
  listMembers,
  listRuleRows,
  loadInputs,
  ruleOf,
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

function assertServices(services: readonly string[], field: string) {
  const known = knownServices();
  const unknown = services.filter((s) => !known.includes(s));
  if (unknown.length)
    throw new ValidationError(`${unknown.join(', ')}: not a service of this cell (known: ${known.join(', ')})`, field);
}

function groupConflict(err: unknown, name: string): never {
  if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
    throw new ConflictError(`A group named ${name} already exists`, 'name');
  throw err;
}

function groupRow(tx: DbOrTx, id: number): GroupRow {
  const row = tx.select().from(peerGroups).where(eq(peerGroups.id, id)).get();
  if (!row) throw new NotFoundError(`Group ${id} does not exist`);
  return row;
}

/** The groups a peer joins: each must exist. Replaces its memberships. */
export function setPeerGroups(tx: DbOrTx, peerId: number, groupIds: readonly number[]): void {
  const ids = [...new Set(groupIds)];
  if (ids.length) {
    const found = tx.select({ id: peerGroups.id }).from(peerGroups).where(inArray(peerGroups.id, ids)).all();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new ValidationError(`No group with id ${missing.join(', ')}`, 'groups');
  }
  tx.delete(peerGroupMembers).where(eq(peerGroupMembers.peerId, peerId)).run();
  if (ids.length)
    tx.insert(peerGroupMembers)
      .values(ids.map((groupId) => ({ groupId, peerId })))
      .run();
}

export function groupsOfPeer(tx: DbOrTx, peerId: number): number[] {
  return tx
    .select({ id: peerGroupMembers.groupId })
    .from(peerGroupMembers)
    .where(eq(peerGroupMembers.peerId, peerId))
    .all()
    .map((r) => r.id);
}

/** A new peer's routing policy when it names none: its first group's that has one. */
export function groupRoutingPolicy(tx: DbOrTx, groupIds: readonly number[]) {
  for (const id of groupIds) {
    const row = tx.select({ p: peerGroups.routingPolicy }).from(peerGroups).where(eq(peerGroups.id, id)).get();
    if (row?.p) return row.p;
  }
  return null;
}

/** Whether a peer may reach other peers once its own setting and its groups' are combined. */
export function peerToPeerOf(tx: DbOrTx, peer: { id: number; peerToPeer: boolean | null }): boolean {
  const ids = groupsOfPeer(tx, peer.id);
  const groups = ids.length ? tx.select().from(peerGroups).where(inArray(peerGroups.id, ids)).all() : [];
  return policyOf({ groups: ids, peerToPeer: peer.peerToPeer, services: null }, new Map(groups.map((g) => [g.id, g])), [
    ...knownServices(),
  ]).peerToPeer;
}

export function listGroups(db: Db) {
  const names = new Map((sources.peers?.(db) ?? []).map((p) => [p.id, p.name]));
  const members = listMembers(db);
  return listGroupRows(db).map((g) => ({
    ...g,
    members: members
      .filter((m) => m.groupId === g.id)
      .map((m) => ({ id: m.peerId, name: names.get(m.peerId) ?? `peer ${m.peerId}` }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }));
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
async function confirmable<T extends object>(db: Db, clientAddress: string | null, change: (tx: Db) => T) {
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

export function createGroup(db: Db, input: CreateGroup, clientAddress: string | null) {
  assertServices(input.services, 'services');
  const now = runtimeOf(db).clock();
  return confirmable(db, clientAddress, (tx) => {
    try {
      return tx
        .insert(peerGroups)
        .values({ ...input, services: [...new Set(input.services)].sort(), createdAt: now, updatedAt: now })
        .returning()
        .get();
    } catch (err) {
      groupConflict(err, input.name);
    }
  });
}

export function updateGroup(db: Db, input: UpdateGroup, clientAddress: string | null) {
  if (input.services) assertServices(input.services, 'services');
  const now = runtimeOf(db).clock();
  const { id, ...set } = input;
  return confirmable(db, clientAddress, (tx) => {
    const before = groupRow(tx, id);
    try {
      return tx
        .update(peerGroups)
        .set({ ...set, ...(set.services ? { services: [...new Set(set.services)].sort() } : {}), updatedAt: now })
        .where(eq(peerGroups.id, id))
        .returning()
        .get();
    } catch (err) {
      groupConflict(err, set.name ?? before.name);
    }
  });
}

export function removeGroup(db: Db, id: number, clientAddress: string | null) {
  return confirmable(db, clientAddress, (tx) => {
    const row = groupRow(tx, id);
    // Its rules go with it (the foreign key cascades); its members keep their own settings.
    tx.delete(peerGroups).where(eq(peerGroups.id, id)).run();
    return row;
  });
}

function ruleValues(
  tx: DbOrTx,
  r: Pick<CreateRule, 'source' | 'destination' | 'protocol' | 'ports' | 'action' | 'note'>,
) {
  const peerExists = (id: number, field: string) => {
    if (!sources.peers?.(tx).some((p) => p.id === id)) throw new ValidationError(`No peer with id ${id}`, field);
  };
  if (r.source.kind === 'group') groupRow(tx, r.source.groupId);
  if (r.source.kind === 'peer') peerExists(r.source.peerId, 'source');
  if (r.destination.kind === 'peer') peerExists(r.destination.peerId, 'destination');
  if (r.destination.kind === 'service') assertServices([r.destination.service], 'destination');
  if (r.ports && r.protocol !== 'tcp' && r.protocol !== 'udp')
    throw new ValidationError('Ports need the protocol tcp or udp', 'ports');
  return {
    sourceKind: r.source.kind,
    sourceGroupId: r.source.kind === 'group' ? r.source.groupId : null,
    sourcePeerId: r.source.kind === 'peer' ? r.source.peerId : null,
    sourceCidr: r.source.kind === 'cidr' ? r.source.cidr : null,
    destinationKind: r.destination.kind,
    destinationService: r.destination.kind === 'service' ? r.destination.service : null,
    destinationPeerId: r.destination.kind === 'peer' ? r.destination.peerId : null,
    destinationCidr: r.destination.kind === 'cidr' ? r.destination.cidr : null,
    protocol: r.protocol,
    ports: r.ports,
    action: r.action,
    note: r.note,
  };
}

function ruleRow(tx: DbOrTx, id: number): RuleRow {
  const row = tx.select().from(firewallRules).where(eq(firewallRules.id, id)).get();
  if (!row) throw new NotFoundError(`Rule ${id} does not exist`);
  return row;
}

/** Positions stay 1..n in order: a rule placed at `position` pushes the ones from there down. */
function renumber(tx: DbOrTx, order: number[]): void {
  order.forEach((id, i) =>
    tx
      .update(firewallRules)
      .set({ position: i + 1 })
      .where(eq(firewallRules.id, id))
      .run(),
  );
}

export function listRules(db: DbOrTx) {
  return listRuleRows(db).map((r) => ({ ...ruleOf(r), position: r.position }));
}

export function createRule(db: Db, input: CreateRule, clientAddress: string | null) {
  const now = runtimeOf(db).clock();
  return confirmable(db, clientAddress, (tx) => {
    const values = ruleValues(tx, input);
    const order = listRuleRows(tx).map((r) => r.id);
    const row = tx
      .insert(firewallRules)
      .values({ ...values, position: order.length + 1, createdAt: now })
      .returning()
      .get();
    const at = Math.min(input.position ?? order.length + 1, order.length + 1);
    order.splice(at - 1, 0, row.id);
    renumber(tx, order);
    return { ...ruleOf(row), position: at };
  });
}

export function updateRule(db: Db, input: UpdateRule, clientAddress: string | null) {
  return confirmable(db, clientAddress, (tx) => {
    const before = ruleOf(ruleRow(tx, input.id));
    const merged = {
      source: input.source ?? before.source,
      destination: input.destination ?? before.destination,
      protocol: input.protocol ?? before.protocol,
      ports: input.ports === undefined ? before.ports : input.ports,
      action: input.action ?? before.action,
      note: input.note ?? before.note,
    };
    const row = tx
      .update(firewallRules)
      .set(ruleValues(tx, merged))
      .where(eq(firewallRules.id, input.id))
      .returning()
      .get();
    return { ...ruleOf(row), position: row.position };
  });
}

export function moveRule(db: Db, id: number, position: number, clientAddress: string | null) {
  return confirmable(db, clientAddress, (tx) => {
    ruleRow(tx, id);
    const order = listRuleRows(tx)
      .map((r) => r.id)
      .filter((r) => r !== id);
    order.splice(Math.min(position, order.length + 1) - 1, 0, id);
    renumber(tx, order);
    return { id, position: order.indexOf(id) + 1 };
  });
}

export function removeRule(db: Db, id: number, clientAddress: string | null) {
  return confirmable(db, clientAddress, (tx) => {
    const row = ruleRow(tx, id);
    tx.delete(firewallRules).where(eq(firewallRules.id, id)).run();
    renumber(
      tx,
      listRuleRows(tx).map((r) => r.id),
    );
    return ruleOf(row);
  });
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

/** "Can X reach Y?": walks a new connection through the same model the rules are rendered from. */
export function testReach(db: Db, input: TestInput) {
  const inputs = loadInputs(db);
  if (!inputs) throw new ValidationError('The tunnel is not configured yet');
  const src = sourceAddress(inputs, input.source);
  const dst = destinationOf(inputs, input.destination);
  const family = parseAddress(src)!.family;
  if (parseAddress(dst.address)!.family !== family)
    throw new ValidationError('Source and destination must be of the same address family', 'destination');
  const rules = buildRules(inputs);
  const set = family === 4 ? rules.v4 : rules.v6;
  if (!set) throw new ValidationError('The tunnel has no IPv6 subnet', 'source');
  const d = decide(set, { src, dst: dst.address, proto: dst.proto, port: dst.port });
  return { allowed: d.allowed, rule: d.rule, source: src, destination: dst };
}

function sourceAddress(inputs: FirewallInputs, s: TestInput['source']): string {
  if ('peerId' in s) {
    const address = inputs.peers.find((p) => p.id === s.peerId)?.addresses[0];
    if (!address) throw new ValidationError(`No peer with id ${s.peerId}`, 'source');
    return address;
  }
  if ('groupId' in s) {
    if (!inputs.groups.some((g) => g.id === s.groupId))
      throw new ValidationError(`No group with id ${s.groupId}`, 'source');
    // A member stands for its group; an empty group is tested with a stand-in member on an
    // address no peer holds (the subnet's last), so the answer is the group's, not a peer's.
    const member = inputs.peers.find(
      (p) => p.groups.length === 1 && p.groups[0] === s.groupId && p.peerToPeer === null && p.services === null,
    );
    if (member) return member.addresses[0]!;
    const stand = standInAddress(inputs);
    inputs.peers.push({
      id: 0,
      name: 'stand-in',
      addresses: [stand],
      groups: [s.groupId],
      peerToPeer: null,
      services: null,
    });
    return stand;
  }
  // A block is tested from its first address.
  return s.cidr.split('/')[0]!;
}

function standInAddress(inputs: FirewallInputs): string {
  const c = parseCidr(inputs.tunnel.subnet);
  if (typeof c === 'string') throw new ValidationError('The tunnel subnet is not valid');
  const last = c.network + (1n << BigInt(32 - c.prefix)) - 2n;
  return [
    Number((last >> 24n) & 255n),
    Number((last >> 16n) & 255n),
    Number((last >> 8n) & 255n),
    Number(last & 255n),
  ].join('.');
}

function destinationOf(inputs: FirewallInputs, d: TestInput['destination']) {
  if ('service' in d) {
    const svc = inputs.services.find((s) => s.name === d.service);
    if (!svc) throw new ValidationError(`${d.service} is not a service this cell runs`, 'destination');
    // The service's main port: DNS over UDP, NTP, HTTPS.
    const port = svc.ports.find((p) => p.port === 443) ?? svc.ports[0]!;
    return { address: svc.address, proto: port.proto, port: port.port };
  }
  if ('peerId' in d) {
    const address = inputs.peers.find((p) => p.id === d.peerId)?.addresses[0];
    if (!address) throw new ValidationError(`No peer with id ${d.peerId}`, 'destination');
    // A peer is tested with a ping; give its address and a port to test a port.
    return { address, proto: 'icmp' as const, port: undefined };
  }
  const proto = d.protocol ?? 'tcp';
  const port = d.port as number | undefined;
  if (proto !== 'icmp' && !port) throw new ValidationError('Give a port for tcp or udp', 'port');
  return { address: d.address, proto, port: proto === 'icmp' ? undefined : port };
}
