/**
 * This server on `cell-network`, when it runs in a container of the engine it manages: a
 * fixed address and the name `cell-server`, so Caddy reaches the admin app by name and the
 * server reaches the daemons directly. Its port on the host stays on loopback (compose).
 */
import type Docker from 'dockerode';
import { cidrHost, parseCidr, type Cidr } from '@/lib/cidr';
import { engineMessage } from '../../runtime/docker';
import { SERVER_ALIAS, type Deployment } from '../../runtime/deployment';
import { NETWORK_NAME } from './spec';

/**
 * This server's own address on the cell network when it runs in a container (it joins the
 * network itself): above the core components' addresses, below where later services go.
 */
export const SERVER_HOST_INDEX = 10;

export interface ServerReport {
  container: string;
  address: string;
  action: 'attached' | 'unchanged' | 'failed';
  reason: string;
}

type OwnContainer = { id: string; name: string } | { name: string; error: string };

/** The server's own container, as the engine knows it (or why it does not); null on a host. */
export async function ownContainer(docker: Docker, deployment: Deployment): Promise<OwnContainer | null> {
  if (deployment.kind === 'host') return null;
  try {
    const info = await docker.getContainer(deployment.container).inspect();
    return { id: info.Id, name: info.Name.replace(/^\//, '') };
  } catch (err) {
    return {
      name: deployment.container,
      error: `this server's container ${deployment.container} is not on the engine: ${engineMessage(err)}`,
    };
  }
}

interface Endpoint {
  IPAMConfig?: { IPv4Address?: string } | null;
  Aliases?: string[] | null;
  DNSNames?: string[] | null;
}

/** Puts this server on the cell network at its fixed address and name, once the network is there. */
export async function attachServer(
  docker: Docker,
  self: OwnContainer,
  subnet: string,
  networkReady: boolean,
): Promise<ServerReport> {
  if ('error' in self) return { container: self.name, address: '', action: 'failed', reason: self.error };
  if (!networkReady)
    return { container: self.name, address: '', action: 'failed', reason: `${NETWORK_NAME} is not ready` };
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
