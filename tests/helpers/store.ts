/** Store services as the unit suites need them: a row as an install leaves it, on a cell with no engine. */
import type { Db } from '@/server/db';
import { storeInstances } from '@/server/db/schema';
import { bundledManifests } from '@/server/managers/store';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { recordingBackend } from './wireguard';

/** The bundled service's row, as an install leaves it (nothing on an engine). */
export function installedRow(
  db: Db,
  manifestId: string,
  opts: { hostIndex?: number; state?: 'installed' | 'removing' } = {},
): void {
  const manifest = bundledManifests().find((m) => m.id === manifestId)!;
  const now = new Date();
  db.insert(storeInstances)
    .values({
      id: manifestId,
      manifestId,
      version: manifest.version,
      image: String(manifest.image),
      manifest: manifest as unknown as Record<string, unknown>,
      answers: {},
      sealed: {},
      hostIndex: opts.hostIndex ?? 20,
      state: opts.state ?? 'installed',
      createdAt: now,
      updatedAt: now,
    })
    .run();
}

/** A cell whose tunnel is recorded and whose engine is nowhere: files and commands for services wait. */
export function withoutEngine(db: Db): void {
  bindRuntime(
    db,
    createRuntime(
      { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' },
      { wireguard: recordingBackend({ rules: true }).backend },
    ),
  );
}
