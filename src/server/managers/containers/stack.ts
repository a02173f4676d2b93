/** The desired core stack as stored: the network row and one row per component. */
import { eq, inArray } from 'drizzle-orm';
import { cidrHost, cidrSize, parseAddress, parseCidr, type Cidr } from '@/lib/cidr';
import { COMPONENTS, COMPONENT_INFO, type ComponentName } from '@/lib/schemas/containers';
import type { Db, DbOrTx } from '../../db';
import { dhcpSettings, stackComponents, stackNetwork, wireguardSettings } from '../../db/schema';
import { ValidationError } from '../../errors';
import { cellExists, cellIdentity, cellNetwork } from '../cell';
import {
  CATALOGUE,
  DEFAULT_SUBNET,
  desiredSpecs,
  effectiveImage,
  specHash,
  type ComponentRow,
  type StackInputs,
} from './spec';
import { runtimeOf, type Env } from '../../runtime/runtime';

/** Creates the stack rows a cell lacks: at setup, and at boot for cells set up before containers existed. */
export function ensureStack(db: DbOrTx, now = runtimeOf(db).clock()): void {
  if (!db.select({ id: stackNetwork.id }).from(stackNetwork).where(eq(stackNetwork.id, 1)).get()) {
    db.insert(stackNetwork).values({ id: 1, subnet: DEFAULT_SUBNET, updatedAt: now }).run();
  }
  const chosen = new Set<string>(cellExists(db) ? cellIdentity(db).services : []);
  const have = new Set(
    db
      .select({ c: stackComponents.component })
      .from(stackComponents)
      .all()
      .map((r) => r.c),
  );
  for (const component of COMPONENTS) {
    if (have.has(component)) continue;
    db.insert(stackComponents)
      .values({
        component,
        enabled: startsEnabled(component, chosen),
        image: null,
        hostIndex: CATALOGUE[component].hostIndex,
        restartPolicy: 'unless-stopped',
        updatedAt: now,
      })
      .run();
  }
}

/** Caddy always runs; DHCP starts off; the others follow the services picked at setup. */
const startsEnabled = (component: ComponentName, chosen: ReadonlySet<string>) =>
  component === 'caddy' || (component !== 'dhcp' && chosen.has(component));

/**
 * At setup, the services the wizard picked are turned on. Rows made before it (Caddy alone,
 * for the setup site) have none of them on, and nobody could have changed them since.
 */
export function enableChosenServices(db: DbOrTx, services: readonly string[], now = runtimeOf(db).clock()): void {
  const chosen = new Set(services);
  const on = COMPONENTS.filter((c) => startsEnabled(c, chosen));
  db.update(stackComponents).set({ enabled: true, updatedAt: now }).where(inArray(stackComponents.component, on)).run();
}

/** `PIC_IMAGE_<COMPONENT>` overrides (air-gapped installs, tests). */
export function imageOverrides(env: Env): StackInputs['imageOverrides'] {
  const out: StackInputs['imageOverrides'] = {};
  for (const c of COMPONENTS) {
    const v = env[`PIC_IMAGE_${c.toUpperCase()}`]?.trim();
    if (v) out[c] = v;
  }
  return out;
}

/** `PIC_PUBLISH_ADDRESS`: an IP address of this host to publish the stack's ports on. */
export function publishAddress(env: Env): string | undefined {
  const v = env.PIC_PUBLISH_ADDRESS?.trim();
  if (!v) return undefined;
  if (parseAddress(v) === null) throw new ValidationError(`PIC_PUBLISH_ADDRESS=${v} is not an IP address`);
  return v;
}

/** `cell-network`'s subnet: the cell facts own the rule (`PIC_CELL_SUBNET` over the stack setting). */
export function effectiveSubnet(db: Db, env = runtimeOf(db).env): { subnet: string; fromEnv: boolean } {
  return cellNetwork(db, env);
}

function componentRows(db: Db): ComponentRow[] {
  return db
    .select()
    .from(stackComponents)
    .all()
    .sort((a, b) => COMPONENTS.indexOf(a.component) - COMPONENTS.indexOf(b.component));
}

/** Everything the pure spec builder needs, read in one place. */
export function stackInputs(db: Db): StackInputs {
  const wg = db
    .select({ listenPort: wireguardSettings.listenPort, subnet6: wireguardSettings.subnet6 })
    .from(wireguardSettings)
    .get();
  const dhcp = db.select({ enabled: dhcpSettings.enabled, dnsServer: dhcpSettings.dnsServer }).from(dhcpSettings).get();
  return {
    subnet: effectiveSubnet(db).subnet,
    components: componentRows(db),
    hostDataDir: runtimeOf(db).paths.hostData(),
    wireguard: wg ? { listenPort: wg.listenPort, ipv6: wg.subnet6 !== null } : null,
    imageOverrides: imageOverrides(runtimeOf(db).env),
    dnsOnLan: dhcp?.enabled ? dhcp.dnsServer : null,
    publishAddress: publishAddress(runtimeOf(db).env),
    wireguardUserspace: runtimeOf(db).env.PIC_WG_USERSPACE === '1',
    serverUser: process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined,
  };
}

export function desiredStack(db: Db) {
  return desiredSpecs(stackInputs(db));
}

/** The stack as the Containers page shows its settings. */
export function getStack(db: Db) {
  const overrides = imageOverrides(runtimeOf(db).env);
  const { subnet, fromEnv } = effectiveSubnet(db);
  const specs = new Map(desiredStack(db).map((s) => [s.component, s]));
  return {
    network: { subnet, fromEnv },
    components: componentRows(db).map((row) => ({
      ...row,
      ...COMPONENT_INFO[row.component],
      defaultImage: CATALOGUE[row.component].defaultImage,
      effectiveImage: effectiveImage(row, overrides),
      imageFromEnv: overrides[row.component] !== undefined,
      spec: specs.get(row.component) ?? null,
    })),
  };
}

export function updateComponent(
  db: Db,
  input: {
    component: ComponentName;
    image?: string | null;
    enabled?: boolean;
    restartPolicy?: ComponentRow['restartPolicy'];
    /** Set through the Logs page's verbosity (logs.setLevel), not the Containers page. */
    logLevel?: ComponentRow['logLevel'];
  },
  now = runtimeOf(db).clock(),
) {
  if (input.enabled === false && input.component === 'caddy') {
    throw new ValidationError('Caddy serves the web app and every service; it cannot be turned off', 'enabled');
  }
  const set: Partial<typeof stackComponents.$inferInsert> = { updatedAt: now };
  if (input.image !== undefined) set.image = input.image;
  if (input.enabled !== undefined) set.enabled = input.enabled;
  if (input.restartPolicy !== undefined) set.restartPolicy = input.restartPolicy;
  if (input.logLevel !== undefined) set.logLevel = input.logLevel;
  db.update(stackComponents).set(set).where(eq(stackComponents.component, input.component)).run();
  return getStack(db);
}

/** The verbosity set for a component's daemon; null: its default (or no such component yet). */
export function componentLogLevel(db: DbOrTx, component: ComponentName): ComponentRow['logLevel'] {
  return (
    db
      .select({ logLevel: stackComponents.logLevel })
      .from(stackComponents)
      .where(eq(stackComponents.component, component))
      .get()?.logLevel ?? null
  );
}

export function updateNetwork(db: Db, input: { subnet: string }, now = runtimeOf(db).clock()) {
  const size = cidrSize(parseCidr(input.subnet) as Cidr);
  const highest = Math.max(...componentRows(db).map((r) => r.hostIndex));
  if (BigInt(highest) >= size - 1n) {
    throw new ValidationError(`${input.subnet} is too small: the stack uses addresses up to host ${highest}`, 'subnet');
  }
  db.update(stackNetwork).set({ subnet: input.subnet, updatedAt: now }).where(eq(stackNetwork.id, 1)).run();
  return getStack(db);
}

/**
 * Addresses whose X-Forwarded-For the server believes: cell-caddy on the cell network,
 * and `PIC_TRUSTED_PROXIES` (comma-separated, for a Caddy run on the host or in tests).
 */
export function trustedProxies(db: Db, env = runtimeOf(db).env): string[] {
  const out = (env.PIC_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const caddy = db.select().from(stackComponents).where(eq(stackComponents.component, 'caddy')).get();
  const subnet = parseCidr(effectiveSubnet(db, env).subnet);
  if (caddy?.enabled && typeof subnet !== 'string') out.push(cidrHost(subnet, caddy.hostIndex));
  return out;
}

/** A fingerprint of the desired stack, so the reconcile loop notices changes made by any domain. */
export function desiredFingerprint(db: Db): string {
  return `${effectiveSubnet(db).subnet}|${desiredStack(db)
    .map((s) => specHash(s))
    .join(',')}`;
}
