/**
 * `cell-network`, the bridge the core containers share: created when missing, rebuilt when
 * the cell's subnet moved (its managed containers go first), never taken over when the
 * cell did not make it.
 */
import type Docker from 'dockerode';
import { statusOf } from '../../runtime/docker';
import { LABEL_MANAGED, NETWORK_NAME } from './spec';
import type { ActualContainer } from './plan';

export interface NetworkReport {
  name: string;
  subnet: string;
  action: 'created' | 'recreated' | 'unchanged' | 'failed';
  reason: string;
}

/** The bridge network with the wanted subnet. A managed network with another subnet is rebuilt. */
export async function ensureNetwork(
  docker: Docker,
  subnet: string,
  managed: ActualContainer[],
  moved: Set<string>,
  /** This server's own container, when it runs in one: it leaves the old network and joins the new one. */
  selfId?: string,
): Promise<NetworkReport> {
  const base = { name: NETWORK_NAME, subnet };
  let info: {
    Labels?: Record<string, string>;
    IPAM?: { Config?: { Subnet?: string }[] };
    Containers?: Record<string, { Name: string }>;
  } | null = null;
  try {
    info = await docker.getNetwork(NETWORK_NAME).inspect();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  const create = () =>
    docker.createNetwork({
      Name: NETWORK_NAME,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      Labels: { [LABEL_MANAGED]: 'true' },
    });
  if (!info) {
    await create();
    return { ...base, action: 'created', reason: 'missing' };
  }
  const current = info.IPAM?.Config?.map((c) => c.Subnet).filter(Boolean) ?? [];
  if (current.includes(subnet)) return { ...base, action: 'unchanged', reason: 'matches' };
  if (info.Labels?.[LABEL_MANAGED] !== 'true') {
    return {
      ...base,
      action: 'failed',
      reason: `${NETWORK_NAME} exists with ${current.join(', ') || 'no subnet'} and was not made by the cell; remove it or set the stack's subnet to match`,
    };
  }
  const managedIds = new Set(managed.map((m) => m.id));
  const foreign = Object.entries(info.Containers ?? {}).filter(([id]) => !managedIds.has(id) && id !== selfId);
  if (foreign.length) {
    return {
      ...base,
      action: 'failed',
      reason: `${NETWORK_NAME} moves to ${subnet}, but containers the cell does not manage use it: ${foreign.map(([, c]) => c.Name).join(', ')}`,
    };
  }
  // Every managed container on it is recreated anyway (its address changes); remove them first.
  for (const m of managed.filter((c) => (c.spec?.network as { mode?: string } | undefined)?.mode !== 'host')) {
    await docker.getContainer(m.id).remove({ force: true });
    moved.add(m.component);
  }
  if (selfId && info.Containers?.[selfId])
    await docker.getNetwork(NETWORK_NAME).disconnect({ Container: selfId, Force: true });
  await docker.getNetwork(NETWORK_NAME).remove();
  await create();
  return { ...base, action: 'recreated', reason: `subnet changed from ${current.join(', ')}` };
}
