/**
 * The steps that change the cell around a service, each with its undoing: secrets, names,
 * routes, firewall, its own setup, accounts. Those that work the engine are in
 * `engine-steps.ts`; install, update and remove put them together in their own order.
 */
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { changed, type Outcome } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { cellFacts } from '../cell';
import { claimName, releaseOwner, serviceOwner } from '../names';
import { holdServiceRoutes } from '../routes';
import { forgetPut, syncAccounts } from './accounts';
import { valueFromOutput } from './dns-records';
import { fillPlaceholders, serviceContainer, serviceNames, serviceRoutes } from './model';
import type { Step } from './operation';
import { addressOf, instanceRow, sealAll, setInstance } from './state';

/** What an applier said, or why the step fails: a daemon that refused or failed undoes the operation. */
function applied(outcomes: Record<string, Outcome>, name: string): string {
  const o = outcomes[name];
  if (!o) return `${name}: nothing to apply`;
  if (!o.ok) throw new Error(`${name} could not apply it: ${o.error.message}`);
  const v = o.value as { state?: string; reason?: string } | undefined;
  if (v?.state === 'rejected') throw new Error(`${name} refused it: ${v.reason}`);
  return v?.state === 'pending' ? `${name}: ${v.reason}` : `${name}: applied`;
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
