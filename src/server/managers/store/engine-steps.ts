/**
 * The steps that work the engine, each with its undoing: verify and pull the image, make or
 * find its volumes, start its container, wait for its health check. The rest are in `steps.ts`.
 */
import type Docker from 'dockerode';
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { statusOf } from '../../runtime/docker';
import { cellFacts } from '../cell';
import { imagePresent, pullImage, publishAddress, reconcile, NETWORK_NAME } from '../containers';
import {
  ensureVolume,
  removeContainerIfPresent,
  removeVolumeIfPresent,
  startServiceContainer,
  waitHealthy,
} from './engine';
import { pullReference } from './image-ref';
import { forgetKeptAccounts, keepAccounts, takeKeptAccounts } from './kept-accounts';
import { trustedKeys } from './keys';
import { serviceContainer, serviceSpec, volumeName } from './model';
import type { Step } from './operation';
import { addressOf, instanceRow, instanceRows, manifestOfRow, openAll, registryMirror } from './state';
import { tlsBeforeStart } from './tls';
import { verifyImage } from './verify';

/** The container an instance should run, from its row (the manifest and answers it was installed with). */
export function instanceSpec(db: Db, id: string, opts: { image?: string; hostIndex?: number; name?: string } = {}) {
  const row = instanceRow(db, id);
  const manifest = manifestOfRow(row);
  const spec = serviceSpec({
    instanceId: id,
    manifest,
    image: pullReference(opts.image ?? row.image, registryMirror(db)),
    env: { ...row.answers, ...openAll(row.sealed) },
    domain: cellFacts(db).domain,
    logLevel: row.logLevel,
    network: NETWORK_NAME,
    address: addressOf(db, opts.hostIndex ?? row.hostIndex),
    publishAddress: publishAddress(runtimeOf(db).env),
  });
  return opts.name ? { ...spec, name: opts.name } : spec;
}

export const verifyStep = (db: Db, image: string): Step => ({
  name: 'verify',
  run: async () => {
    const { keyId, kind } = await verifyImage(image, trustedKeys(db), { mirror: registryMirror(db) });
    return kind === 'sigstore bundle' ? `signed by ${keyId} (sigstore bundle)` : `signed by ${keyId}`;
  },
});

export const pullStep = (db: Db, image: string): Step => ({
  name: 'pull',
  run: async (ctx) => {
    const { engine } = runtimeOf(db);
    const ref = pullReference(image, registryMirror(db));
    if (await imagePresent(await engine.client(), ref)) return 'already on the engine';
    await pullImage(engine, ref, (job) => ctx.report(job.status, job.percent));
    return 'pulled';
  },
});

/**
 * Each installed service's image on the engine (a restore on a new machine): one that is not
 * there is verified against the trusted keys, then pulled. Resolves with how many were pulled.
 */
export async function ensureServiceImages(db: Db): Promise<number> {
  const { engine } = runtimeOf(db);
  const docker = await engine.client();
  let pulled = 0;
  for (const row of instanceRows(db).filter((r) => r.state === 'installed')) {
    const ref = pullReference(row.image, registryMirror(db));
    if (await imagePresent(docker, ref)) continue;
    await verifyImage(row.image, trustedKeys(db), { mirror: registryMirror(db) });
    await pullImage(engine, ref, () => undefined);
    pulled++;
  }
  return pulled;
}

/**
 * The service's volumes: made, or found again from an install removed with its data kept. When
 * all are found again, so are the accounts and aliases kept with them; when any is new, those
 * are forgotten.
 */
export function volumesStep(db: Db, instanceId: string, manifest: Manifest): Step {
  const made: string[] = [];
  let taken = { accounts: 0, aliases: 0 };
  return {
    name: 'volumes',
    run: async () => {
      const docker = await runtimeOf(db).engine.client();
      for (const v of manifest.volumes) {
        const name = volumeName(instanceId, v.name);
        if (await ensureVolume(docker, name, instanceId)) made.push(name);
      }
      const kept = manifest.volumes.length - made.length;
      if (kept && !made.length) taken = takeKeptAccounts(db, instanceId);
      else forgetKeptAccounts(db, instanceId);
      const n = taken.accounts;
      const accounts = n ? `, ${n} account${n === 1 ? '' : 's'} as they were` : '';
      return manifest.volumes.length
        ? `${made.length} made${kept ? `, ${kept} kept from before` : ''}${accounts}`
        : 'none needed';
    },
    undo: async () => {
      // Only what was taken back is put aside again (an update finds its volumes, and takes nothing).
      if (taken.accounts || taken.aliases) keepAccounts(db, instanceId);
      const docker = await runtimeOf(db).engine.client();
      for (const name of made.splice(0)) await removeVolumeIfPresent(docker, name);
    },
  };
}

/**
 * `cell-network` before a service joins it: on an engine that appeared after the cell
 * started, the core stack's reconcile may not have made it yet, so it runs now.
 */
async function ensureCellNetwork(db: Db, docker: Docker): Promise<void> {
  const present = await docker
    .getNetwork(NETWORK_NAME)
    .inspect()
    .then(
      () => true,
      (err) => (statusOf(err) === 404 ? false : Promise.reject(err)),
    );
  if (present) return;
  const { network } = await reconcile(db);
  if (network.action === 'failed') throw new Error(`${NETWORK_NAME} is not ready: ${network.reason}`);
}

export function containerStep(db: Db, instanceId: string): Step {
  const name = serviceContainer(instanceId);
  return {
    name: 'container',
    run: async () => {
      const docker = await runtimeOf(db).engine.client();
      await ensureCellNetwork(db, docker);
      let tls: string | null = null;
      const id = await startServiceContainer(
        docker,
        instanceId,
        instanceSpec(db, instanceId),
        undefined,
        async (c) => (tls = await tlsBeforeStart(db, instanceId, c)),
      );
      return `${name} started (${id.slice(0, 12)})${tls ? `, ${tls}` : ''}`;
    },
    undo: async () => removeContainerIfPresent(await runtimeOf(db).engine.client(), name),
  };
}

export const healthStep = (db: Db, instanceId: string, manifest: Manifest, tries: number): Step => ({
  name: 'health',
  run: async () => {
    const spec = instanceSpec(db, instanceId);
    const why = await waitHealthy(
      runtimeOf(db).engine,
      manifest.healthCheck,
      spec.network.mode === 'cell' ? spec.network.ipv4 : '',
      spec.name,
      tries,
    );
    if (why) throw new Error(`the health check did not pass: ${why}`);
    return manifest.healthCheck ? 'healthy' : 'no health check';
  },
});
