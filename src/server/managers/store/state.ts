/** The store's tables: installed instances and the operations that change them. */
import { asc, eq, ne } from 'drizzle-orm';
import { cidrHost, parseCidr, type Cidr } from '@/lib/cidr';
import { manifestSchema, type Manifest } from '@/lib/schemas/store';
import type { Db, DbOrTx } from '../../db';
import { storeInstances, storeOperations, type OperationStep } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { cellNetwork } from '../cell';
import type { ServiceEndpoint } from '../firewall';
import { pullReference } from './image-ref';
import { serviceContainer, serviceEndpoint, volumeName } from './model';

export type InstanceRow = typeof storeInstances.$inferSelect;
export type OperationRow = typeof storeOperations.$inferSelect;

export const instanceRows = (tx: DbOrTx) => tx.select().from(storeInstances).orderBy(asc(storeInstances.id)).all();

export function instanceRow(tx: DbOrTx, id: string): InstanceRow {
  const row = tx.select().from(storeInstances).where(eq(storeInstances.id, id)).get();
  if (!row) throw new NotFoundError(`No installed service ${id}`);
  return row;
}

/** The manifest an instance was installed from (kept whole in its row). */
export const manifestOfRow = (row: InstanceRow): Manifest => manifestSchema.parse(row.manifest);

export function setInstance(tx: DbOrTx, id: string, set: Partial<typeof storeInstances.$inferInsert>): void {
  tx.update(storeInstances).set(set).where(eq(storeInstances.id, id)).run();
}

/** The instance's address on `cell-network`. */
export function addressOf(tx: DbOrTx, hostIndex: number): string {
  return cidrHost(parseCidr(cellNetwork(tx).subnet) as Cidr, hostIndex);
}

export const sealAll = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encryptSecret(v, 'store_instances.sealed')]));
export const openAll = (sealed: Record<string, string>) =>
  Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, decryptSecret(v, 'store_instances.sealed')]));

/** What peers may reach of each service not on its way out (declared to the firewall). */
export function firewallServices(tx: DbOrTx): ServiceEndpoint[] {
  return tx
    .select()
    .from(storeInstances)
    .where(ne(storeInstances.state, 'removing'))
    .all()
    .map((row) => serviceEndpoint(manifestOfRow(row), row.id, addressOf(tx, row.hostIndex)));
}

export function operationRow(db: Db, id: string): OperationRow {
  const row = db.select().from(storeOperations).where(eq(storeOperations.id, id)).get();
  if (!row) throw new NotFoundError(`No store operation ${id}`);
  return row;
}

export function saveSteps(db: Db, id: string, steps: OperationStep[]): void {
  db.update(storeOperations).set({ steps }).where(eq(storeOperations.id, id)).run();
}

/** Where images are pulled through (`PIC_REGISTRY_MIRROR`), if anywhere. */
export const registryMirror = (db: DbOrTx) => runtimeOf(db).env.PIC_REGISTRY_MIRROR?.trim() || null;

/** A service's data volume, as a backup takes it: from its container, at the path it is mounted on. */
export interface ServiceVolume {
  instanceId: string;
  volume: string;
  /** The engine's volume (`cell-svc-<instance>-<volume>`). */
  name: string;
  /** The image the service runs, by digest (through the mirror when there is one). */
  image: string;
  container: string;
  mount: string;
  /** What a backup does first (the manifest says): nothing, or stop the service while it reads. */
  backup: 'live' | 'stop' | 'dump';
  /** The manifest's dump command, run first when `backup` is `dump`. */
  dump?: string[];
}

/** The data volumes of every service installed (not one being installed or removed). */
export function serviceVolumes(tx: DbOrTx): ServiceVolume[] {
  return instanceRows(tx)
    .filter((row) => row.state === 'installed' || row.state === 'updating')
    .flatMap((row) => {
      const manifest = manifestOfRow(row);
      return manifest.volumes.map((v) => ({
        instanceId: row.id,
        volume: v.name,
        name: volumeName(row.id, v.name),
        image: pullReference(row.image, registryMirror(tx)),
        container: serviceContainer(row.id),
        mount: v.mount,
        backup: v.backup,
        dump: manifest.dump,
      }));
    });
}
