/**
 * The steps an operation is made of, each with its undoing: verify, pull, volumes,
 * secrets, container, names, routes, firewall, health. Install, update and remove put
 * them together in their own order.
 */
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { changed, type Outcome } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import type Docker from 'dockerode';
import { imagePresent, pullImage, publishAddress, reconcile, NETWORK_NAME } from '../containers';
import { statusOf } from '../../runtime/docker';
import { cellFacts } from '../cell';
import { claimName, releaseOwner, serviceOwner } from '../names';
import { holdServiceRoutes } from '../routes';
import {
  ensureVolume,
  removeContainerIfPresent,
  removeVolumeIfPresent,
  startServiceContainer,
  waitHealthy,
} from './engine';
import { forgetPut, syncAccounts } from './accounts';
import { trustedKeys } from './keys';
import { valueFromOutput } from './dns-records';
import { fillPlaceholders, serviceContainer, serviceNames, serviceRoutes, serviceSpec, volumeName } from './model';
import type { Step } from './operation';
import { pullReference } from './image-ref';
import {
  addressOf,
  instanceRow,
  instanceRows,
  manifestOfRow,
  openAll,
  registryMirror,
  sealAll,
  setInstance,
} from './state';
import { forgetKeptAccounts, keepAccounts, takeKeptAccounts } from './kept-accounts';
import { verifyImage } from './verify';

/** `PIC_REGISTRY_MIRROR`: where images and their signatures are fetched from instead of their registries. */
/** The container an instance should run, from its row (the manifest and answers it was installed with). */
export function instanceSpec(db: Db, id: string, opts: { image?: string; hostIndex?: number; name?: string } = {}) {
  const row = instanceRow(db, id);
  const manifest = manifestOfRow(row);
  const spec = serviceSpec({
    instanceId: id,
    manifest,
    image: pullReference(opts.image ?? row.image, registryMirror(db)),
    env: { ...row.answers, ...openAll(row.sealed) },
    network: NETWORK_NAME,
    address: addressOf(db, opts.hostIndex ?? row.hostIndex),
    publishAddress: publishAddress(runtimeOf(db).env),
  });
  return opts.name ? { ...spec, name: opts.name } : spec;
}

/** What an applier said, or why the step fails: a daemon that refused or failed undoes the operation. */
function applied(outcomes: Record<string, Outcome>, name: string): string {
  const o = outcomes[name];
  if (!o) return `${name}: nothing to apply`;
  if (!o.ok) throw new Error(`${name} could not apply it: ${o.error.message}`);
  const v = o.value as { state?: string; reason?: string } | undefined;
  if (v?.state === 'rejected') throw new Error(`${name} refused it: ${v.reason}`);
  return v?.state === 'pending' ? `${name}: ${v.reason}` : `${name}: applied`;
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
 * all are found again, so are the accounts kept with them; when any is new, those are forgotten.
 */
export function volumesStep(db: Db, instanceId: string, manifest: Manifest): Step {
  const made: string[] = [];
  let taken = 0;
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
      const accounts = taken ? `, ${taken} account${taken === 1 ? '' : 's'} as they were` : '';
      return manifest.volumes.length
        ? `${made.length} made${kept ? `, ${kept} kept from before` : ''}${accounts}`
        : 'none needed';
    },
    undo: async () => {
      if (taken) keepAccounts(db, instanceId);
      const docker = await runtimeOf(db).engine.client();
      for (const name of made.splice(0)) await removeVolumeIfPresent(docker, name);
    },
  };
}

/** Seals the passwords asked and the secrets made; they open only into the container's environment. */
export const secretsStep = (db: Db, instanceId: string, secrets: Record<string, string>): Step => ({
  name: 'secrets',
  run: async () => {
    setInstance(db, instanceId, { sealed: sealAll(secrets) });
    const n = Object.keys(secrets).length;
    return n ? `${n} sealed` : 'none needed';
  },
});

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
      const id = await startServiceContainer(docker, instanceId, instanceSpec(db, instanceId));
      return `${name} started (${id.slice(0, 12)})`;
    },
    undo: async () => removeContainerIfPresent(await runtimeOf(db).engine.client(), name),
  };
}

export function namesStep(db: Db, instanceId: string, manifest: Manifest): Step {
  const owner = serviceOwner(instanceId);
  return {
    name: 'names',
    run: async () => {
      const labels = serviceNames(manifest, instanceId);
      db.transaction((tx) => {
        for (const label of labels) claimName(tx, label, owner, { to: 'cell' });
      });
      const detail = applied(await changed(db, ['names'], { wait: true }), 'dns');
      const records = manifest.dns.length ? [`${manifest.dns.length} records in the domain`] : [];
      const held = [...labels.map((l) => `${l}.cell`), ...records];
      return held.length ? `${held.join(', ')} (${detail})` : 'none needed';
    },
    undo: async () => {
      releaseOwner(db, owner);
      await changed(db, ['names'], { wait: true });
    },
  };
}

function setRoutes(db: Db, instanceId: string, manifest: Manifest | null) {
  db.transaction(
    (tx) => {
      const row = instanceRow(tx, instanceId);
      const wanted = manifest
        ? serviceRoutes(manifest, instanceId, addressOf(tx, row.hostIndex), cellFacts(tx).domain)
        : [];
      holdServiceRoutes(tx, instanceId, wanted, runtimeOf(db).clock());
    },
    { behavior: 'immediate' },
  );
}

export function routesStep(db: Db, instanceId: string, manifest: Manifest): Step {
  return {
    name: 'routes',
    run: async () => {
      setRoutes(db, instanceId, manifest);
      if (!manifest.routes.length) return 'none needed';
      return applied(await changed(db, ['proxy'], { wait: true }), 'caddy');
    },
    undo: async () => {
      setRoutes(db, instanceId, null);
      await changed(db, ['proxy'], { wait: true });
    },
  };
}

export function firewallStep(db: Db, instanceId: string, manifest: Manifest): Step {
  return {
    name: 'firewall',
    run: async () => {
      if (!manifest.firewall.length) return 'none needed';
      return applied(await changed(db, ['firewall'], { wait: true }), 'firewall');
    },
    undo: async () => {
      setInstance(db, instanceId, { state: 'removing' });
      await changed(db, ['firewall'], { wait: true });
    },
  };
}

/**
 * The service's own setup, once its container runs (mail makes its DKIM key), then the record
 * values only it knows, read back and kept on its row for DNS and the public side.
 */
export const configureStep = (db: Db, instanceId: string, manifest: Manifest): Step => ({
  name: 'configure',
  run: async () => {
    const reads = manifest.dns.filter((r) => r.from);
    if (!manifest.configure.length && !reads.length) return 'none needed';
    const { engine } = runtimeOf(db);
    const container = serviceContainer(instanceId);
    const values = { domain: cellFacts(db).domain, instance: instanceId };
    const fill = (argv: readonly string[]) => argv.map((a) => fillPlaceholders(a, values));
    for (const argv of manifest.configure) {
      const done = await engine.exec(container, fill(argv));
      if (done.exitCode !== 0)
        throw new Error(`${argv.slice(0, 3).join(' ')} exited ${done.exitCode}: ${done.stderr.trim().slice(0, 200)}`);
    }
    const read: Record<string, string> = {};
    for (const r of reads) {
      const done = await engine.exec(container, fill(r.from!));
      const value = valueFromOutput(done.stdout);
      if (done.exitCode !== 0 || !value)
        throw new Error(
          `the ${r.type} record ${r.name} could not be read (${r.from!.slice(0, 2).join(' ')} exited ${done.exitCode})`,
        );
      read[`${r.name} ${r.type}`] = value;
    }
    setInstance(db, instanceId, { readRecords: read });
    const ran = manifest.configure.length;
    return [ran ? `${ran} ${ran === 1 ? 'command' : 'commands'} run` : '', reads.length ? `${reads.length} read` : '']
      .filter(Boolean)
      .join(', ');
  },
});

/** The peers' accounts: made for those the firewall lets use it, and put into its volumes with its rights. */
export const accountsStep = (db: Db, instanceId: string, manifest: Manifest): Step => ({
  name: 'accounts',
  run: async () => {
    if (!manifest.accounts) return 'none needed';
    forgetPut(instanceId);
    const mine = (await syncAccounts(db, instanceId)).instances.find((i) => i.id === instanceId);
    if (mine?.waiting) throw new Error(mine.waiting);
    const n = mine?.accounts ?? 0;
    return n === 1 ? '1 account' : `${n} accounts`;
  },
});

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
