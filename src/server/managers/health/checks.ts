/**
 * What the monitor looks at, each component asked of its own domain: the engine and the
 * cell's containers, the tunnel, DNS answering for the cell's names, Caddy's config loaded,
 * certificates near their end, a DNS-01 mode's certificate for the domain, the disk, and the
 * last backup proven restorable.
 */
import fs from 'node:fs';
import type { Db } from '../../db';
import { runtimeOf } from '../../runtime/runtime';
import { certificateStatus } from '../acme';
import { getBackupSettings, lastBackupProblem, lastVerified } from '../backup';
import { configState } from '../config-apply';
import { listContainers } from '../containers';
import { lookupName } from '../dns';
import { countExpiring } from '../vault';
import { findServer, serverStatus } from '../wireguard';

export type HealthState = 'up' | 'warn' | 'down';
export interface Check {
  state: HealthState;
  detail: string;
}

const DAY = 24 * 3600 * 1000;
/** A scheduled backup older than this (a day and a bit) is late. */
const BACKUP_LATE = DAY + 2 * 3600 * 1000;

async function containers(db: Db, out: Map<string, Check>): Promise<void> {
  const { engine } = runtimeOf(db);
  const status = await engine.status();
  out.set(
    'engine',
    status.reachable
      ? { state: 'up', detail: 'answering' }
      : { state: 'down', detail: status.error ?? 'not reachable' },
  );
  if (!status.reachable) return;
  for (const c of (await listContainers(engine).catch(() => [])).filter((c) => c.managed))
    out.set(
      `container ${c.name}`,
      c.state === 'running' ? { state: 'up', detail: c.status } : { state: 'down', detail: c.status },
    );
}

async function tunnel(db: Db, now: Date): Promise<Check | null> {
  if (!findServer(db)) return null;
  const s = await serverStatus(db, now);
  return s.interfaceUp
    ? { state: 'up', detail: `${s.peersOnline} of ${s.peerCount} peers online` }
    : { state: 'down', detail: s.interfaceError ?? 'the interface is not up' };
}

async function dns(db: Db): Promise<Check | null> {
  const r = await lookupName(db, 'cell', 'A');
  // Without a DNS container there is nothing answering to watch.
  if (!r.source.startsWith('cell-dns')) return r.error ? { state: 'down', detail: r.error } : null;
  return { state: 'up', detail: `${r.source} answers` };
}

function caddy(db: Db): Check | null {
  const s = configState(db, 'caddy');
  if (!s) return null;
  if (s.error) return { state: 'down', detail: s.error };
  return {
    state: s.pending ? 'warn' : 'up',
    detail: s.appliedVia ?? (s.pending ? 'a change waits to be loaded' : 'serving'),
  };
}

function certificates(db: Db, now: Date): Check {
  const n = countExpiring(db, now, 14 * DAY);
  return n
    ? { state: 'warn', detail: `${n} certificate${n === 1 ? '' : 's'} end within 14 days` }
    : { state: 'up', detail: 'none end within 14 days' };
}

/** A DNS-01 mode's certificate for the domain and its wildcard: there, renewing as it should, not lapsed. */
function domainCertificate(db: Db, now: Date): Check | null {
  const s = certificateStatus(db);
  if (!s) return null;
  const c = s.certificate;
  if (!c)
    return s.lastError
      ? { state: 'down', detail: `none yet: ${s.lastError}` }
      : { state: 'warn', detail: 'being requested' };
  const until = `valid until ${c.notAfter.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (now >= c.notAfter) return { state: 'down', detail: `lapsed${s.lastError ? `: ${s.lastError}` : ''}` };
  if (s.lastError) return { state: 'warn', detail: `renewal failing (${s.lastError}); ${until}` };
  return { state: 'up', detail: until };
}

function disk(db: Db): Check {
  const s = fs.statfsSync(runtimeOf(db).paths.data());
  const free = s.bavail / s.blocks;
  const detail = `${Math.round(free * 100)}% free (${((Number(s.bavail) * Number(s.bsize)) / 1e9).toFixed(1)} GB)`;
  return { state: free < 0.1 ? 'down' : 'up', detail };
}

function backup(db: Db, now: Date): Check {
  const problem = lastBackupProblem(db);
  if (problem) return { state: 'down', detail: problem };
  const verifiedAt = lastVerified(db);
  const { scheduled } = getBackupSettings(db);
  if (!verifiedAt) return { state: 'warn', detail: 'no backup has been verified restorable yet' };
  const age = now.getTime() - verifiedAt.getTime();
  const detail = `last verified ${Math.floor(age / 3600_000)} h ago`;
  return { state: scheduled && age > BACKUP_LATE ? 'warn' : 'up', detail };
}

/** Every component's state now, by its name. */
export async function runChecks(db: Db): Promise<Map<string, Check>> {
  const now = runtimeOf(db).clock();
  const out = new Map<string, Check>();
  await containers(db, out);
  const wg = await tunnel(db, now);
  if (wg) out.set('wireguard', wg);
  const d = await dns(db).catch((err: Error) => ({ state: 'down' as const, detail: err.message }));
  if (d) out.set('dns', d);
  const c = caddy(db);
  if (c) out.set('caddy', c);
  out.set('certificates', certificates(db, now));
  const domain = domainCertificate(db, now);
  if (domain) out.set('domain certificate', domain);
  out.set('disk', disk(db));
  out.set('backup', backup(db, now));
  return out;
}
