/**
 * Update: when the catalogue offers a newer version, its image is verified and started
 * beside the running one (at an address of its own, on the same volumes); only when its
 * health check passes do the routes, names and firewall move to it and the old container
 * go. Until then the old version keeps serving, and a failure takes the new one away again.
 */
import { cidrSize, parseCidr, type Cidr } from '@/lib/cidr';
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { InvalidStateError, ValidationError } from '../../errors';
import { changed } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { cellFacts, cellNetwork } from '../cell';
import { claimName, releaseOwner, serviceOwner } from '../names';
import { holdServiceRoutes } from '../routes';
import { compareVersions, manifestOf } from './catalogue';
import { removeContainerIfPresent, renameContainer, startServiceContainer, waitHealthy } from './engine';
import { imageFor, type OperationOptions } from './install';
import { answersSchema, isSealed, serviceContainer, serviceNames, serviceRoutes, spareHostIndex } from './model';
import { startOperation, type Step } from './operation';
import { addressOf, instanceRow, instanceRows, setInstance } from './state';
import { instanceSpec, pullStep, verifyStep, volumesStep } from './engine-steps';

/** The answers kept, checked against the new version's questions (new ones take their defaults). */
function carriedAnswers(next: Manifest, answers: Record<string, string | number>): Record<string, string | number> {
  // Passwords and secrets stay sealed in the row as they are.
  const env = next.env.filter((q) => !isSealed(q));
  const checked = answersSchema({ env }).safeParse(Object.fromEntries(env.map((q) => [q.name, answers[q.name]])));
  if (!checked.success)
    throw new ValidationError(
      `Version ${next.version} asks what this install did not answer (${checked.error.issues.map((i) => i.path.join('.')).join(', ')}): remove and install it again`,
      'instanceId',
    );
  return checked.data as Record<string, string | number>;
}

export async function updateService(
  db: Db,
  input: { instanceId: string },
  opts: OperationOptions = {},
): Promise<{ operationId: string }> {
  const current = instanceRow(db, input.instanceId);
  const next = await manifestOf(db, current.manifestId);
  if (compareVersions(next.version, current.version) <= 0)
    throw new InvalidStateError(`${current.id} runs ${current.version}, the newest the catalogue offers`, 'instanceId');
  const image = imageFor(next);
  const answers = carriedAnswers(next, current.answers);
  const id = current.id;
  const nextName = `${serviceContainer(id)}-next`;
  const previous = { ...current };
  const hostIndex = db.transaction(
    (tx) => {
      const row = instanceRow(tx, id);
      if (row.state !== 'installed')
        throw new InvalidStateError(`${id} is ${row.state}: wait for that to finish`, 'instanceId');
      const size = Number(cidrSize(parseCidr(cellNetwork(tx).subnet) as Cidr));
      const taken = new Set(instanceRows(tx).map((r) => r.hostIndex));
      const index = spareHostIndex(taken, Math.min(size - 1, 65_535));
      if (index === null)
        throw new InvalidStateError('The cell network has no free address for the new version', 'instanceId');
      setInstance(tx, id, { state: 'updating' });
      return index;
    },
    { behavior: 'immediate' },
  );
  // The new container, from what the row will say once switched.
  const nextSpec = () => instanceSpec(db, id, { image, hostIndex, name: nextName });
  let switched = false;
  const steps: Step[] = [
    verifyStep(db, image),
    pullStep(db, image),
    volumesStep(db, id, next),
    {
      name: 'container',
      run: async () => {
        // The row's manifest and answers decide the spec: the new ones, for the new container.
        setInstance(db, id, { manifest: next as unknown as Record<string, unknown>, answers });
        const docker = await runtimeOf(db).engine.client();
        await startServiceContainer(docker, id, nextSpec(), nextName);
        return `${nextName} started beside ${serviceContainer(id)}`;
      },
      undo: async () => {
        setInstance(db, id, { manifest: previous.manifest, answers: previous.answers });
        await removeContainerIfPresent(await runtimeOf(db).engine.client(), nextName);
      },
    },
    {
      name: 'health',
      run: async () => {
        const why = await waitHealthy(
          runtimeOf(db).engine,
          next.healthCheck,
          addressOf(db, hostIndex),
          nextName,
          opts.healthTries ?? 60,
        );
        if (why)
          throw new Error(`${next.version} did not pass its health check: ${why}; ${previous.version} keeps serving`);
        return next.healthCheck ? 'healthy' : 'no health check';
      },
    },
    {
      name: 'switch',
      run: async () => {
        db.transaction((tx) => {
          setInstance(tx, id, { image, version: next.version, hostIndex, updatedAt: runtimeOf(db).clock() });
          releaseOwner(tx, serviceOwner(id));
          for (const label of serviceNames(next, id)) claimName(tx, label, serviceOwner(id), { to: 'cell' });
          holdServiceRoutes(
            tx,
            id,
            serviceRoutes(next, id, addressOf(tx, hostIndex), cellFacts(tx).domain),
            runtimeOf(db).clock(),
          );
        });
        switched = true;
        await changed(db, ['names', 'proxy', 'firewall'], { wait: true });
        const docker = await runtimeOf(db).engine.client();
        await removeContainerIfPresent(docker, serviceContainer(id));
        await renameContainer(docker, nextName, serviceContainer(id));
        return `${previous.version} → ${next.version}`;
      },
    },
  ];
  const operationId = startOperation(db, {
    kind: 'update',
    instanceId: id,
    done: [{ name: 'validate', detail: `${previous.version} → ${next.version}` }],
    steps,
    failAt: opts.failAt,
    onEnd: (ok) => {
      setInstance(db, id, { state: 'installed' });
      if (!ok && !switched) setInstance(db, id, { manifest: previous.manifest, answers: previous.answers });
    },
  });
  return { operationId };
}
