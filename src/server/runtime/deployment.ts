/**
 * Where this server runs: on a host, or in a container of the engine it manages. In a
 * container it joins `cell-network` itself (reconcile attaches it with a fixed address and
 * the name `cell-server`), and Caddy reaches the admin app by that name; on a host, Caddy
 * reaches it through the network's gateway. Found out from the mounts every container
 * gets, so no setting is needed; `PIC_SERVER_CONTAINER` names the container where that
 * fails (another runtime), or `none` to run as on a host.
 */
import fs from 'node:fs';
import type { Env } from './env';

/** The server's name on `cell-network`, Caddy's upstream for the admin app. */
export const SERVER_ALIAS = 'cell-server';

export type Deployment = { kind: 'host' } | { kind: 'container'; container: string };

// The engine bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from the container's
// own folder (`…/containers/<id>/…`, Podman's `…/overlay-containers/<id>/userdata/…`).
const OWN_MOUNT = /\/(?:overlay-)?containers\/([0-9a-f]{64})\/(?:userdata\/)?(?:hostname|hosts|resolv\.conf)$/;

/** The container id in `/proc/self/mountinfo`, if the engine put this process in one. */
export function containerIdFromMountinfo(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    // Field 4 is the mount's root within its file system, field 5 where it is mounted.
    if (!['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'].includes(fields[4] ?? '')) continue;
    const m = OWN_MOUNT.exec(fields[3] ?? '');
    if (m) return m[1]!;
  }
  return null;
}

function readMountinfo(): string {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

export function detectDeployment(env: Env, mountinfo: () => string = readMountinfo): Deployment {
  const named = env.PIC_SERVER_CONTAINER?.trim();
  if (named === 'none') return { kind: 'host' };
  if (named) return { kind: 'container', container: named };
  const id = containerIdFromMountinfo(mountinfo());
  return id ? { kind: 'container', container: id } : { kind: 'host' };
}
