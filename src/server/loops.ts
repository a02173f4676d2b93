import { lt } from 'drizzle-orm';
import type { Db } from './db';
import { loginFailures } from './db/schema';
import { LOGIN_WINDOW_MS } from './managers/accounts';
import { restoreUnderWay, runSchedule } from './managers/backup';
import { appendAudit } from './managers/audit';
import { desiredFingerprint, ensureStack, reconcile } from './managers/containers';
import { ddnsCycle } from './managers/ddns';
import { monitorTick } from './managers/health';
import { isSetupComplete } from './managers/setup';
import { applyCaddy } from './managers/routes';
import { ensureCa, refreshCrlIfDue, syncIntermediate } from './managers/vault';
import { rollbackIfDue } from './managers/firewall';
import { reconcileServices, startStore } from './managers/store';
import { expirePeers, pruneTraffic, sampleTraffic, SAMPLE_INTERVAL_MS } from './managers/peers';
import { applyWireguard, findServer, flushWireguardFiles, repairDrift } from './managers/wireguard';
import { applyAll } from './runtime/changes';
import { runtimeOf, type Runtime } from './runtime/runtime';
import { logger } from './runtime/logger';
import './appliers';

const log = logger.child('loops');

/** What the stack loop last converged to; null: reconcile at the next tick. */
const stackState: { reconciled: string | null } = { reconciled: null };

/** Whether this process has closed the store operations a restart cut short. */
let storeStarted = false;

/** Whether this process has rendered the WireGuard files once since it started. */
let wireguardFilesChecked = false;

export interface Loop {
  name: string;
  intervalMs: number;
  /** Also run once right after start. */
  atStart?: boolean;
  run: (db: Db, runtime: Runtime) => Promise<void> | void;
}

/** Background work registered by the domains; each runs on its interval and never crashes the server. */
export const loops: Loop[] = [
  {
    name: 'prune-login-failures',
    intervalMs: 10 * 60 * 1000,
    run: (db) => {
      db.delete(loginFailures)
        .where(lt(loginFailures.at, new Date(Date.now() - LOGIN_WINDOW_MS)))
        .run();
    },
  },
  {
    name: 'expire-peers',
    intervalMs: 60 * 1000,
    atStart: true,
    run: async (db) => {
      if (!isSetupComplete(db)) return;
      const { expired } = await expirePeers(db);
      if (expired.length) log.info('peers expired', { peers: expired.map((p) => p.name) });
    },
  },
  {
    // Traffic over time for the charts: what each peer moved since the last sample.
    name: 'traffic-sample',
    intervalMs: SAMPLE_INTERVAL_MS,
    run: async (db, runtime) => {
      if (isSetupComplete(db)) await sampleTraffic(db, runtime.clock());
    },
  },
  {
    // Each component's state: a change is recorded for the timeline and sent as a notification.
    name: 'health-monitor',
    intervalMs: 30 * 1000,
    atStart: true,
    run: async (db) => {
      if (!isSetupComplete(db)) return;
      const changes = await monitorTick(db);
      if (changes.length)
        log.info('component states changed', { changes: changes.map((c) => `${c.component}: ${c.state}`) });
    },
  },
  {
    // The day's backup, locked for the recipient of the backup settings, once its hour has come.
    name: 'backup-schedule',
    intervalMs: 60 * 1000,
    run: async (db) => {
      if (!isSetupComplete(db)) return;
      const started = await runSchedule(db);
      if (started) log.info('scheduled backup started', { backup: started.backupId });
    },
  },
  {
    name: 'traffic-prune',
    intervalMs: 10 * 60 * 1000,
    run: (db, runtime) => pruneTraffic(db, runtime.clock()),
  },
  {
    // The stack converges when the engine (re)appears and whenever any domain changed what it wants.
    // Before setup the stack is Caddy alone, serving the setup site (its files first: Caddy
    // reads them when it starts).
    name: 'containers-reconcile',
    intervalMs: 15 * 1000,
    atStart: true,
    run: async (db, runtime) => {
      const engine = await runtime.engine.status();
      if (!engine.reachable) {
        stackState.reconciled = null;
        return;
      }
      if (!isSetupComplete(db)) {
        ensureStack(db);
        const site = await applyCaddy(db);
        if (site.state === 'rejected') log.warn('Caddy refused the setup site', { reason: site.reason });
      }
      const wanted = desiredFingerprint(db);
      if (stackState.reconciled === wanted) return;
      const report = await reconcile(db);
      stackState.reconciled =
        report.components.some((c) => c.action === 'failed') || report.network.action === 'failed' ? null : wanted;
    },
  },
  {
    // Installed store services: what a restart cut short is closed, then each has its container.
    name: 'store-reconcile',
    intervalMs: 15 * 1000,
    atStart: true,
    run: async (db, runtime) => {
      if (!isSetupComplete(db)) return;
      if (!storeStarted) {
        storeStarted = true;
        await startStore(db);
      } else if ((await runtime.engine.status()).reachable) await reconcileServices(db);
    },
  },
  {
    // Every daemon's config (DNS, NTP, DHCP, Caddy): rendered from the current state, loaded
    // where it changed or where a change is still pending because the engine was away.
    name: 'appliers',
    intervalMs: 30 * 1000,
    atStart: true,
    run: async (db) => {
      if (isSetupComplete(db)) await applyAll(db);
    },
  },
  {
    // A change to firewall groups or rules that nobody confirmed in time (the admin may have
    // cut themselves off) is undone: the previous rules come back.
    name: 'firewall-confirm',
    intervalMs: 5 * 1000,
    run: async (db) => {
      if (isSetupComplete(db) && (await rollbackIfDue(db))) log.warn('unconfirmed firewall change rolled back');
    },
  },
  {
    // The certificate authority of a cell set up before it existed (or before its intermediate
    // was name-constrained), a CRL close to its next update, and Caddy's leaf certificates
    // renewed before they lapse (an apply issues only what is due; unchanged files are left alone).
    name: 'vault',
    intervalMs: 60 * 60 * 1000,
    atStart: true,
    run: async (db) => {
      if (!isSetupComplete(db)) return;
      await ensureCa(db);
      if (syncIntermediate(db)) log.info("intermediate signed again for the cell's current names");
      if (refreshCrlIfDue(db)) log.info('CRL signed again before its next update');
      const caddy = await applyCaddy(db);
      if (caddy.state !== 'applied') log.warn('Caddy did not take its renewed certificates', { ...caddy });
    },
  },
  {
    // Dynamic DNS: acts every 5 minutes (sooner after a failure's backoff); the provider is called only on a change.
    name: 'ddns',
    intervalMs: 60 * 1000,
    atStart: true,
    run: async (db) => {
      if (isSetupComplete(db)) await ddnsCycle(db);
    },
  },
  {
    // Changes stored while no backend answered reach the interface here; otherwise the
    // interface is compared with the database and repaired when it drifted (recreated empty,
    // peers lost or changed by hand), with an entry in the audit trail.
    name: 'wireguard-reconcile',
    intervalMs: 30 * 1000,
    atStart: true,
    run: async (db) => {
      const server = findServer(db);
      if (!server) return;
      // Files render off the request path: a stop right after a change may have left them behind.
      if (!wireguardFilesChecked) {
        await flushWireguardFiles(db, { force: true });
        wireguardFilesChecked = true;
      }
      if (server.appliedRevision < server.revision) {
        const result = await applyWireguard(db);
        if (result.state === 'applied') log.info('pending WireGuard changes applied', { via: result.via });
        return;
      }
      const repair = await repairDrift(db);
      if (!repair) return;
      const { reason, result } = repair;
      log.warn('the WireGuard interface drifted; loaded again', { reason, ...result });
      appendAudit(db, {
        actor: 'system',
        actorRole: 'system',
        procedure: 'wireguard.repair',
        input: { reason },
        outcome: result.state === 'applied' ? 'success' : 'error',
        detail: result.state === 'applied' ? result.via : result.reason,
      });
    },
  },
];

const globalForLoops = globalThis as unknown as { picLoops?: AbortController };

/** Starts every loop on the cell's database, with the runtime it was handed in with. */
export function startLoops(db: Db, runtime: Runtime = runtimeOf(db)): AbortController {
  globalForLoops.picLoops?.abort();
  const controller = new AbortController();
  globalForLoops.picLoops = controller;
  // One listener stops every loop's timer (one per loop made Node warn of a leak past ten loops).
  const timers: NodeJS.Timeout[] = [];
  controller.signal.addEventListener('abort', () => timers.forEach((t) => clearInterval(t)), { once: true });
  for (const loop of loops) {
    let running = false;
    const tick = async () => {
      // A restore changes the database, the folders and the containers under the loops: they wait.
      if (running || controller.signal.aborted || restoreUnderWay(db)) return;
      running = true;
      try {
        await loop.run(db, runtime);
      } catch (err) {
        log.error('loop failed', { loop: loop.name, err });
      } finally {
        running = false;
      }
    };
    if (loop.atStart) setTimeout(tick, 0).unref();
    const timer = setInterval(tick, loop.intervalMs);
    timer.unref();
    timers.push(timer);
  }
  return controller;
}
