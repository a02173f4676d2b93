/** The admin's own rules, kept in order 1..n. */
import { eq } from 'drizzle-orm';
import type { CreateRule, UpdateRule } from '@/lib/schemas/firewall';
import type { Db, DbOrTx } from '../../db';
import { firewallRules } from '../../db/schema';
import { NotFoundError, ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { confirmable } from './confirm';
import { assertServices, groupRow } from './groups';
import { listRuleRows, ruleOf, sources, type RuleRow } from './state';

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
  if (r.destination.kind === 'service') assertServices(tx, [r.destination.service], 'destination');
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
