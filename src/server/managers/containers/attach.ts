/**
 * This server on `cell-network`, when it runs in a container of the engine it manages: a
 * fixed address and the name `cell-server`, so Caddy reaches the admin app by name and the
 * server reaches the daemons directly. Its port on the host stays on loopback (compose).
 */
import type Docker from 'dockerode';
import { cidrHost, parseCidr, type Cidr } from '@/lib/cidr';
import { engineMessage } from '../../runtime/docker';
import { SERVER_ALIAS } from '../../runtime/deployment';
import { NETWORK_NAME, SERVER_HOST_INDEX } from './spec';

export interface ServerReport {
  container: string;
  address: string;
  action: 'attached' | 'unchanged' | 'failed';
  reason: string;
}

/** The server's own container, as the engine knows it; null with the reason when it does not. */
export async function ownContainer(
  docker: Docker,
  container: string,
): Promise<{ id: string; name: string } | { error: string }> {
  try {
    const info = await docker.getContainer(container).inspect();
    return { id: info.Id, name: info.Name.replace(/^\//, '') };
  } catch (err) {
    return { error: `this server's container ${container} is not on the engine: ${engineMessage(err)}` };
  }
}

interface Endpoint {
  IPAMConfig?: { IPv4Address?: string } | null;
  Aliases?: string[] | null;
  DNSNames?: string[] | null;
}

export async function attachServer(
  docker: Docker,
  self: { id: string; name: string },
  subnet: string,
): Promise<ServerReport> {
  const address = cidrHost(parseCidr(subnet) as Cidr, SERVER_HOST_INDEX);
  const base = { container: self.name, address };
  try {
    const info = await docker.getContainer(self.id).inspect();
    const on = (info.NetworkSettings.Networks as Record<string, Endpoint>)[NETWORK_NAME];
    const named = [...(on?.Aliases ?? []), ...(on?.DNSNames ?? [])].includes(SERVER_ALIAS);
    if (on && on.IPAMConfig?.IPv4Address === address && named)
      return { ...base, action: 'unchanged', reason: 'on the cell network' };
    const network = docker.getNetwork(NETWORK_NAME);
    if (on) await network.disconnect({ Container: self.id, Force: true });
    await network.connect({
      Container: self.id,
      EndpointConfig: { IPAMConfig: { IPv4Address: address }, Aliases: [SERVER_ALIAS] },
    });
    return {
      ...base,
      action: 'attached',
      reason: on ? `its address or name on ${NETWORK_NAME} was not the cell's` : `joined ${NETWORK_NAME}`,
    };
  } catch (err) {
    return { ...base, action: 'failed', reason: engineMessage(err) };
  }
}
