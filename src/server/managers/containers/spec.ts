/** Pure: the desired core stack from stored rows, its hash, and the engine's create options. */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { cidrHost, parseCidr, type Cidr } from '@/lib/cidr';
import { COMPONENTS, type ComponentName } from '@/lib/schemas/containers';
import { containerName } from '../../runtime/components';
import { DEFAULT_CELL_SUBNET } from '../cell';
import { canonicalJson } from '@/lib/canonical-json';

export const NETWORK_NAME = 'cell-network';

export const LABEL_MANAGED = 'cell.managed';
export const LABEL_COMPONENT = 'cell.component';
/** Core stack containers carry `cell.stack=core`; store services (later) reconcile apart. */
export const LABEL_STACK = 'cell.stack';
export const LABEL_HASH = 'cell.spec-hash';
/** The whole spec, so a recreate can say which parts changed. */
export const LABEL_SPEC = 'cell.spec';

export type RestartPolicy = 'unless-stopped' | 'always' | 'on-failure' | 'no';

export interface PortSpec {
  container: number;
  host: number;
  protocol: 'tcp' | 'udp';
  /** Host address to bind; absent: every address. */
  hostIp?: string;
}

export interface MountSpec {
  /** A folder on the engine's host (the default), or a named volume of the engine. */
  type?: 'volume';
  /** Absolute path on the engine's host, or the volume's name. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  name: string;
  component: ComponentName;
  image: string;
  /** Null: the image's own command. */
  cmd: string[] | null;
  /** `cell`: on the stack's bridge with a static address; `host`: the host's network (DHCP needs the LAN). */
  network: { mode: 'cell'; name: string; ipv4: string } | { mode: 'host' };
  ports: PortSpec[];
  mounts: MountSpec[];
  capAdd: string[];
  sysctls: Record<string, string>;
  restartPolicy: RestartPolicy;
  /** `uid:gid` to run as; absent: the image's own user. */
  user?: string;
  /** Host devices passed in (`/dev/net/tun` for a userspace WireGuard). */
  devices?: string[];
  /** The container's environment (store services; the core stack is configured by files). */
  env?: Record<string, string>;
  /**
   * What the container takes when it is next made, and is no reason to make it again by itself:
   * `cell-wireguard`'s verbosity (remaking it drops the tunnel for a moment). Left out of the hash.
   */
  atNextStart?: { env: Record<string, string> };
}

/** What the engine needs to create any of the cell's containers, core or store. */
export type EngineSpec = Omit<ContainerSpec, 'component'>;

interface CatalogueEntry {
  defaultImage: string;
  hostIndex: number;
  cmd: string[] | null;
  /** Where the component's config folder is mounted inside the container. */
  configTarget: string;
  configReadOnly: boolean;
  /** Where the component's own writable folder (`state/<component>/`, never rendered into) is mounted. */
  stateTarget?: string;
  capAdd: string[];
  hostNetwork?: boolean;
  /**
   * Runs as the server's own user, so it can read the keys the cell renders for it (0600) and
   * what it creates in its state folder (the admin socket) belongs to the server.
   */
  runAsServer?: boolean;
}

/** What each component needs from the engine. Never `privileged`: capabilities are named one by one. */
export const CATALOGUE: Record<ComponentName, CatalogueEntry> = {
  caddy: {
    // The official image: the cell gets the DNS-01 modes' certificates itself, so Caddy needs no DNS module.
    defaultImage: 'caddy:2.10-alpine',
    hostIndex: 2,
    // The config the cell renders, read only; its admin socket and ACME state live in its own folder.
    cmd: ['caddy', 'run', '--config', '/etc/caddy/caddy.json'],
    configTarget: '/etc/caddy',
    configReadOnly: true,
    stateTarget: '/data',
    // The caddy image lets its binary bind 80 and 443 without root.
    capAdd: ['NET_BIND_SERVICE'],
    runAsServer: true,
  },
  dns: {
    defaultImage: 'coredns/coredns:1.12.4',
    hostIndex: 3,
    cmd: ['-conf', '/etc/coredns/Corefile'],
    configTarget: '/etc/coredns',
    configReadOnly: true,
    capAdd: [],
  },
  ntp: {
    defaultImage: 'theohbrothers/docker-chrony:v4.5',
    hostIndex: 4,
    // The image's own arguments for chronyd (`-d -x`); a verbosity adds `-L` (see commandOf).
    cmd: null,
    configTarget: '/etc/chrony',
    configReadOnly: true,
    capAdd: ['SYS_TIME'],
  },
  wireguard: {
    defaultImage: 'lscr.io/linuxserver/wireguard:1.0.20250521',
    hostIndex: 5,
    cmd: null,
    configTarget: '/config',
    configReadOnly: false,
    capAdd: ['NET_ADMIN'],
  },
  dhcp: {
    defaultImage: '4km3/dnsmasq:2.90-r3',
    hostIndex: 6,
    cmd: ['-k', '--conf-file=/etc/dnsmasq/dnsmasq.conf'],
    configTarget: '/etc/dnsmasq',
    configReadOnly: true,
    capAdd: ['NET_ADMIN', 'NET_RAW'],
    hostNetwork: true,
  },
};

export { containerName };

/** chronyd's `-L`: the lowest severity it logs (its debug output is compiled out of packaged builds). */
const CHRONY_LEVELS = { info: '0', warn: '1', error: '2' } as const;

/**
 * The container's command. chronyd reads its verbosity only from its command line: a level other
 * than info gives the image's own arguments (its entrypoint puts `chronyd` in front) plus `-L`.
 */
function commandOf(component: ComponentName, row: ComponentRow): string[] | null {
  const level = row.logLevel;
  if (component === 'ntp' && level && level !== 'info' && level !== 'debug')
    return ['-d', '-x', '-L', CHRONY_LEVELS[level]];
  return CATALOGUE[component].cmd;
}

/**
 * wireguard-go's `LOG_LEVEL`, read when it starts: `verbose` (debug) or `error`. Unset, it logs
 * nothing after its banner; the kernel's WireGuard has no log of its own at all.
 */
export const WIREGUARD_GO_LEVELS = { debug: 'verbose', error: 'error' } as const;

function atNextStartOf(component: ComponentName, row: ComponentRow): ContainerSpec['atNextStart'] {
  const level = row.logLevel;
  if (component !== 'wireguard' || (level !== 'debug' && level !== 'error')) return undefined;
  return { env: { LOG_LEVEL: WIREGUARD_GO_LEVELS[level] } };
}

/** The bridge network's default subnet: the cell facts own it. */
export const DEFAULT_SUBNET = DEFAULT_CELL_SUBNET;

export interface ComponentRow {
  component: ComponentName;
  enabled: boolean;
  image: string | null;
  hostIndex: number;
  restartPolicy: RestartPolicy;
  /** Its daemon's verbosity; null or absent: the daemon's default. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | null;
}

export interface StackInputs {
  subnet: string;
  components: ComponentRow[];
  /** Host path of the data directory (bind sources are resolved by the engine's host). */
  hostDataDir: string;
  /** The WireGuard listen port (published over UDP) and whether the tunnel has IPv6. */
  wireguard: { listenPort: number; ipv6: boolean } | null;
  /** `PIC_IMAGE_<COMPONENT>` overrides. */
  imageOverrides: Partial<Record<ComponentName, string>>;
  /** `PIC_WG_USERSPACE=1`: the WireGuard image runs wireguard-go (a host without the kernel module) and needs the TUN device. */
  wireguardUserspace?: boolean;
  /** With DHCP on, LAN clients ask the cell for names: DNS is published on this LAN address. */
  dnsOnLan?: string | null;
  /** `PIC_PUBLISH_ADDRESS`: publish ports on this host address only. */
  publishAddress?: string;
  /** `uid:gid` of this server, for components that run as it. */
  serverUser?: string;
}

export function effectiveImage(
  row: Pick<ComponentRow, 'component' | 'image'>,
  overrides: StackInputs['imageOverrides'],
): string {
  return overrides[row.component] ?? row.image ?? CATALOGUE[row.component].defaultImage;
}

function portsOf(component: ComponentName, inputs: StackInputs): PortSpec[] {
  switch (component) {
    case 'caddy':
      return [
        { container: 80, host: 80, protocol: 'tcp' },
        { container: 443, host: 443, protocol: 'tcp' },
        { container: 443, host: 443, protocol: 'udp' },
      ];
    case 'wireguard': {
      const p = inputs.wireguard?.listenPort ?? 51820;
      return [{ container: p, host: p, protocol: 'udp' }];
    }
    case 'dns':
      // Peers reach DNS through the tunnel; the LAN only when the cell is its DHCP server.
      return inputs.dnsOnLan
        ? [
            { container: 53, host: 53, protocol: 'udp', hostIp: inputs.dnsOnLan },
            { container: 53, host: 53, protocol: 'tcp', hostIp: inputs.dnsOnLan },
          ]
        : [];
    default:
      // NTP answers peers through the tunnel and the cell network, not on the host.
      return [];
  }
}

function sysctlsOf(component: ComponentName, inputs: StackInputs): Record<string, string> {
  if (component !== 'wireguard') return {};
  return {
    'net.ipv4.ip_forward': '1',
    'net.ipv4.conf.all.src_valid_mark': '1',
    ...(inputs.wireguard?.ipv6 ? { 'net.ipv6.conf.all.disable_ipv6': '0', 'net.ipv6.conf.all.forwarding': '1' } : {}),
  };
}

/** The containers that should run: one per enabled component, in catalogue order. */
export function desiredSpecs(inputs: StackInputs): ContainerSpec[] {
  const subnet = parseCidr(inputs.subnet) as Cidr;
  const rows = new Map(inputs.components.map((r) => [r.component, r]));
  const specs: ContainerSpec[] = [];
  for (const component of COMPONENTS) {
    const row = rows.get(component);
    if (!row?.enabled) continue;
    const entry = CATALOGUE[component];
    const waits = atNextStartOf(component, row);
    specs.push({
      name: containerName(component),
      component,
      image: effectiveImage(row, inputs.imageOverrides),
      cmd: commandOf(component, row),
      network: entry.hostNetwork
        ? { mode: 'host' }
        : { mode: 'cell', name: NETWORK_NAME, ipv4: cidrHost(subnet, row.hostIndex) },
      ports: entry.hostNetwork
        ? []
        : portsOf(component, inputs).map((p) => (inputs.publishAddress ? { ...p, hostIp: inputs.publishAddress } : p)),
      mounts: [
        {
          source: path.join(inputs.hostDataDir, 'config', component),
          target: entry.configTarget,
          readOnly: entry.configReadOnly,
        },
        ...(entry.stateTarget
          ? [{ source: path.join(inputs.hostDataDir, 'state', component), target: entry.stateTarget, readOnly: false }]
          : []),
      ],
      capAdd: entry.capAdd,
      sysctls: sysctlsOf(component, inputs),
      restartPolicy: row.restartPolicy,
      ...(entry.runAsServer && inputs.serverUser ? { user: inputs.serverUser } : {}),
      ...(component === 'wireguard' && inputs.wireguardUserspace ? { devices: ['/dev/net/tun'] } : {}),
      ...(waits ? { atNextStart: waits } : {}),
    });
  }
  return specs;
}

/** What makes a container again when it differs: the spec without what waits for its next start. */
export function specHash(spec: ContainerSpec): string {
  const { atNextStart: _waits, ...remade } = spec;
  return createHash('sha256').update(canonicalJson(remade)).digest('hex');
}

/** The top-level parts of two specs that differ, for "recreated because …". */
export function changedParts(before: Partial<ContainerSpec> | null, after: ContainerSpec): string[] {
  if (!before) return ['spec'];
  return (Object.keys(after) as (keyof ContainerSpec)[]).filter(
    (k) => k !== 'atNextStart' && canonicalJson(before[k]) !== canonicalJson(after[k]),
  );
}

/** Whether a container made from `made` lacks what now waits for its next start. */
export const waitsForNextStart = (made: Partial<ContainerSpec> | null, wanted: ContainerSpec): boolean =>
  canonicalJson(made?.atNextStart ?? null) !== canonicalJson(wanted.atNextStart ?? null);
