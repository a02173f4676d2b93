/**
 * What `/api/metrics` reports, asked of each domain at the moment of the scrape: the tunnel
 * and each peer on it, the engine and the cell's containers, how each daemon's last apply
 * went, and the backups.
 */
import type { Db } from '../../db';
import { applyStats } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { lastVerified, listBackups } from '../backup';
import { listContainers } from '../containers';
import { listPeers, type PeerView } from '../peers';
import { findServer, serverStatus } from '../wireguard';
import type { Family } from './render';

const seconds = (d: Date) => d.getTime() / 1000;

async function tunnel(db: Db, now: Date): Promise<Family[]> {
  if (!findServer(db)) return [];
  const status = await serverStatus(db, now);
  const all: PeerView[] = [];
  for (let page = 1; ; page++) {
    const { items, total, pageSize } = await listPeers(db, { page, pageSize: 200 });
    all.push(...items);
    if (page * pageSize >= total) break;
  }
  const who = (p: PeerView) => ({ peer: p.name, address: p.address });
  return [
    {
      name: 'pic_wireguard_up',
      help: 'Whether the WireGuard interface answers.',
      type: 'gauge',
      samples: [{ value: status.interfaceUp ? 1 : 0 }],
    },
    {
      name: 'pic_peers',
      help: 'Peers, by whether they are enabled.',
      type: 'gauge',
      samples: [
        { labels: { state: 'enabled' }, value: all.filter((p) => p.enabled).length },
        { labels: { state: 'disabled' }, value: all.filter((p) => !p.enabled).length },
      ],
    },
    {
      name: 'pic_peers_online',
      help: 'Peers with a handshake in the last three minutes.',
      type: 'gauge',
      samples: [{ value: status.peersOnline }],
    },
    {
      name: 'pic_peer_receive_bytes_total',
      help: 'Bytes the cell received from each peer since the interface came up.',
      type: 'counter',
      samples: all.map((p) => ({ labels: who(p), value: p.rxBytes })),
    },
    {
      name: 'pic_peer_transmit_bytes_total',
      help: 'Bytes the cell sent to each peer since the interface came up.',
      type: 'counter',
      samples: all.map((p) => ({ labels: who(p), value: p.txBytes })),
    },
    {
      name: 'pic_peer_handshake_age_seconds',
      help: "Seconds since each peer's latest handshake (peers that never shook hands are left out).",
      type: 'gauge',
      samples: all
        .filter((p) => p.latestHandshake)
        .map((p) => ({ labels: who(p), value: Math.max(0, seconds(now) - seconds(new Date(p.latestHandshake!))) })),
    },
  ];
}

async function engine(db: Db): Promise<Family[]> {
  const { engine } = runtimeOf(db);
  const reachable = (await engine.status()).reachable;
  const containers = reachable ? (await listContainers(engine).catch(() => [])).filter((c) => c.managed) : [];
  return [
    {
      name: 'pic_engine_up',
      help: 'Whether the container engine answers.',
      type: 'gauge',
      samples: [{ value: reachable ? 1 : 0 }],
    },
    {
      name: 'pic_container_running',
      help: "Whether each of the cell's containers runs.",
      type: 'gauge',
      samples: containers.map((c) => ({
        labels: { container: c.name, state: c.state },
        value: c.state === 'running' ? 1 : 0,
      })),
    },
  ];
}

function applies(): Family[] {
  const stats = Object.entries(applyStats()).sort(([a], [b]) => a.localeCompare(b));
  return [
    {
      name: 'pic_apply_duration_seconds',
      help: "How long each applier's last run took (rendering and loading a daemon's config).",
      type: 'gauge',
      samples: stats
        .filter(([, s]) => s.lastMs !== null)
        .map(([applier, s]) => ({ labels: { applier }, value: s.lastMs! / 1000 })),
    },
    {
      name: 'pic_apply_runs_total',
      help: 'Applier runs since the server started.',
      type: 'counter',
      samples: stats.map(([applier, s]) => ({ labels: { applier }, value: s.runs })),
    },
    {
      name: 'pic_apply_failures_total',
      help: 'Applier runs that failed since the server started.',
      type: 'counter',
      samples: stats.map(([applier, s]) => ({ labels: { applier }, value: s.failures })),
    },
  ];
}

function backups(db: Db, now: Date): Family[] {
  const list = listBackups(db);
  // The list comes newest first.
  const made = list.find((b) => b.state === 'ready' && b.trigger !== 'upload')?.createdAt;
  const verified = lastVerified(db);
  const families: Family[] = [
    {
      name: 'pic_backups',
      help: 'Archives on the cell.',
      type: 'gauge',
      samples: [{ value: list.filter((b) => b.state === 'ready').length }],
    },
  ];
  if (made)
    families.push({
      name: 'pic_backup_last_success_timestamp_seconds',
      help: 'When the newest finished backup was made (Unix time).',
      type: 'gauge',
      samples: [{ value: seconds(made) }],
    });
  if (verified)
    families.push({
      name: 'pic_backup_verified_age_seconds',
      help: 'Seconds since the newest backup was proven restorable.',
      type: 'gauge',
      samples: [{ value: Math.max(0, seconds(now) - seconds(verified)) }],
    });
  return families;
}

export async function collectMetrics(db: Db): Promise<Family[]> {
  const now = runtimeOf(db).clock();
  return [
    { name: 'pic_up', help: 'The cell answers.', type: 'gauge', samples: [{ value: 1 }] },
    ...(await tunnel(db, now)),
    ...(await engine(db)),
    ...applies(),
    ...backups(db, now),
  ];
}
