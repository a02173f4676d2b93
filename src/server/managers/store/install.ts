/**
 * Install and remove, each one operation: validate → verify → pull → volumes → secrets →
 * container → names → routes → firewall → health, and back out of every step on a failure.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { cidrSize, parseCidr, type Cidr } from '@/lib/cidr';
import type { Manifest } from '@/lib/schemas/store';
import type { Db, DbOrTx } from '../../db';
import { storeInstances } from '../../db/schema';
import { ConflictError, FieldErrorsError, InvalidStateError, ValidationError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { changed } from '../../runtime/changes';
import { cellNetwork } from '../cell';
import { assertNameFree, serviceOwner } from '../names';
import { manifestOf } from './catalogue';
import { answersSchema, nextHostIndex, nextInstanceId, serviceNames, splitAnswers, volumeName } from './model';
import { startOperation, type FailAt, type Step } from './operation';
import { instanceRow, instanceRows, manifestOfRow, setInstance } from './state';
import { containerStep, healthStep, pullStep, verifyStep, volumesStep } from './engine-steps';
import { accountsStep, configureStep, firewallStep, namesStep, routesStep, secretsStep } from './steps';
import { removeVolumeIfPresent } from './engine';
import { forgetKeptAccounts, keepAccounts, putBackAccounts } from './kept-accounts';
import { publishStep, withdrawStep } from './public-records';
import { certificateStep } from './tls';

export interface OperationOptions {
  /** Tests: the step that fails on purpose. */
  failAt?: FailAt;
  /** How many times the health check is tried before the install gives up (about a second apart). */
  healthTries?: number;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armv7' };

/** The image for this host's architecture. */
export function imageFor(manifest: Pick<Manifest, 'image' | 'name'>, arch = process.arch): string {
  if (typeof manifest.image === 'string') return manifest.image;
  const image = manifest.image[ARCH[arch] as keyof typeof manifest.image];
  if (!image) throw new ValidationError(`${manifest.name} has no image for this host's architecture (${arch})`, 'id');
  return image;
}

/** Ports Caddy and DNS publish (the tunnel's port the engine refuses with its own message). */
const CORE_PORTS = ['tcp/80', 'tcp/443', 'udp/443', 'udp/53', 'tcp/53'];

function assertPortsFree(tx: DbOrTx, manifest: Manifest): void {
  const taken = new Map<string, string>();
  for (const key of CORE_PORTS) taken.set(key, 'the cell itself');
  for (const row of instanceRows(tx))
    for (const p of manifestOfRow(row).ports)
      if (p.publish !== null) taken.set(`${p.protocol}/${p.publish}`, `the service ${row.id}`);
  for (const p of manifest.ports) {
    if (p.publish === null) continue;
    const holder = taken.get(`${p.protocol}/${p.publish}`);
    if (holder) throw new ConflictError(`Port ${p.publish}/${p.protocol} is already published by ${holder}`, 'id');
  }
}

/** Reserves the instance (its id, address and names are checked free); returns its id. */
function reserve(db: Db, manifest: Manifest, image: string, plain: Record<string, string | number>): string {
  const now = runtimeOf(db).clock();
  return db.transaction(
    (tx) => {
      const rows = instanceRows(tx);
      for (const need of manifest.requires)
        if (!rows.some((r) => r.manifestId === need && r.state === 'installed'))
          throw new InvalidStateError(`${manifest.name} needs the service ${need}: install it first`, 'id');
      if (!manifest.instanceable && rows.some((r) => r.manifestId === manifest.id))
        throw new ConflictError(`${manifest.name} is already installed`, 'id');
      const id = nextInstanceId(manifest, new Set(rows.map((r) => r.id)));
      const size = Number(cidrSize(parseCidr(cellNetwork(tx).subnet) as Cidr));
      const hostIndex = nextHostIndex(new Set(rows.map((r) => r.hostIndex)), Math.min(size - 1, 65_535));
      if (hostIndex === null) throw new ConflictError('The cell network has no free address for another service', 'id');
      assertPortsFree(tx, manifest);
      for (const label of serviceNames(manifest, id)) assertNameFree(tx, label, serviceOwner(id), 'id');
      tx.insert(storeInstances)
        .values({
          id,
          manifestId: manifest.id,
          version: manifest.version,
          image,
          manifest: manifest as unknown as Record<string, unknown>,
          answers: plain,
          sealed: {},
          hostIndex,
          state: 'installing',
          createdAt: now,
          updatedAt: now,
        })
        .run();
      return id;
    },
    { behavior: 'immediate' },
  );
}

const deleteRow = (db: Db, id: string) => db.delete(storeInstances).where(eq(storeInstances.id, id)).run();

/** Starts installing a catalogue entry; resolves once the answers are checked and the instance reserved. */
export async function installService(
  db: Db,
  input: { id: string; answers?: Record<string, unknown> },
  opts: OperationOptions = {},
): Promise<{ operationId: string; instanceId: string }> {
  const manifest = await manifestOf(db, input.id);
  const image = imageFor(manifest);
  const checked = answersSchema(manifest).safeParse(input.answers ?? {});
  if (!checked.success) {
    const fields: Record<string, string[]> = {};
    for (const issue of checked.error.issues) {
      const key = ['answers', ...issue.path.map(String)].join('.');
      (fields[key] ??= []).push(issue.message);
    }
    throw new FieldErrorsError(fields);
  }
  const { plain, secret } = splitAnswers(manifest, checked.data, (n) =>
    randomBytes(n).toString('base64url').slice(0, n),
  );
  const instanceId = reserve(db, manifest, image, plain);
  const steps: Step[] = [
    verifyStep(db, image),
    pullStep(db, image),
    volumesStep(db, instanceId, manifest),
    secretsStep(db, instanceId, secret),
    containerStep(db, instanceId),
    configureStep(db, instanceId, manifest),
    namesStep(db, instanceId, manifest),
    routesStep(db, instanceId, manifest),
    firewallStep(db, instanceId, manifest),
    accountsStep(db, instanceId, manifest),
    healthStep(db, instanceId, manifest, opts.healthTries ?? 60),
    ...certificateStep(db, instanceId, manifest),
    ...publishStep(db, instanceId),
  ];
  const operationId = startOperation(db, {
    kind: 'install',
    instanceId,
    done: [
      {
        name: 'validate',
        detail: `${manifest.name} ${manifest.version} as ${instanceId}`,
        undo: async () => void deleteRow(db, instanceId),
      },
    ],
    steps,
    failAt: opts.failAt,
    onEnd: (ok) => {
      if (ok) setInstance(db, instanceId, { state: 'installed', updatedAt: runtimeOf(db).clock() });
    },
  });
  return { operationId, instanceId };
}

/**
 * Starts removing an instance: refused while another installed service requires it. Its
 * data volumes go too unless `keepData` (a later install of the same id finds them again).
 */
export function removeService(
  db: Db,
  input: { instanceId: string; keepData: boolean },
  opts: OperationOptions = {},
): { operationId: string } {
  const row = db.transaction(
    (tx) => {
      const row = instanceRow(tx, input.instanceId);
      if (row.state !== 'installed')
        throw new InvalidStateError(`${row.id} is ${row.state}: wait for that to finish`, 'instanceId');
      const needing = instanceRows(tx).filter(
        (r) => r.id !== row.id && manifestOfRow(r).requires.includes(row.manifestId),
      );
      const others = instanceRows(tx).filter((r) => r.manifestId === row.manifestId && r.id !== row.id);
      if (needing.length && !others.length)
        throw new ConflictError(
          `${needing.map((r) => r.id).join(', ')} ${needing.length > 1 ? 'need' : 'needs'} ${row.id}: remove ${needing.length > 1 ? 'them' : 'it'} first`,
          'instanceId',
        );
      setInstance(tx, row.id, { state: 'removing' });
      // Kept data keeps its accounts (the hashes the cell renders, or those the service's own
      // commands made): put aside now, before the accounts pass lets them go with the service.
      if (input.keepData && manifestOfRow(row).accounts) keepAccounts(tx, row.id);
      else forgetKeptAccounts(tx, row.id);
      return row;
    },
    { behavior: 'immediate' },
  );
  const manifest = manifestOfRow(row);
  const id = row.id;
  const restore = async () => {
    setInstance(db, id, { state: 'installed' });
    await changed(db, ['firewall'], { wait: true });
  };
  // Taking it out runs the install's steps backwards; each can be put back until the last.
  const back = (step: Step): Step => ({
    name: step.name,
    run: async () => (await step.undo!(), 'removed'),
    undo: async () => void (await step.run({ report: () => undefined })),
  });
  const steps: Step[] = [
    { name: 'firewall', run: async () => (await changed(db, ['firewall'], { wait: true }), 'closed'), undo: restore },
    back(routesStep(db, id, manifest)),
    back(namesStep(db, id, manifest)),
    back(containerStep(db, id)),
    {
      name: 'data',
      run: async () => {
        const docker = await runtimeOf(db).engine.client();
        if (input.keepData) return `${manifest.volumes.length} volume(s) kept`;
        for (const v of manifest.volumes) await removeVolumeIfPresent(docker, volumeName(id, v.name));
        return `${manifest.volumes.length} volume(s) deleted`;
      },
    },
    ...withdrawStep(db, id),
  ];
  const operationId = startOperation(db, {
    kind: 'remove',
    instanceId: id,
    done: [],
    steps,
    failAt: opts.failAt,
    onEnd: async (ok) => {
      if (ok) return void deleteRow(db, id);
      db.transaction((tx) => {
        setInstance(tx, id, { state: 'installed' });
        putBackAccounts(tx, id);
      });
    },
  });
  return { operationId };
}
