/**
 * Accounts a service reads from files: the htpasswd (enabled peers only, so a disabled peer's
 * account is refused until it is enabled again) and the rights rendered from the groups, put
 * into the service's volumes as the service's own user, then its reload command if it has one.
 */
import crypto from 'node:crypto';
import type Docker from 'dockerode';
import type { DbOrTx } from '../../db';
import { EngineUnavailableError, type Engine } from '../../runtime/docker';
import { processWide } from '../../runtime/process-wide';
import { serviceAccess } from '../firewall';
import { enabledPeers, rowsOf, type AccountInstance } from './account-rows';
import { serviceContainer } from './model';
import {
  radicaleCollectionProps,
  renderApacheAccess,
  renderHtpasswd,
  renderRadicaleRights,
  sharedSlugs,
  type SharedGroup,
} from './render-accounts';
import { tarOf, type TarEntry, type TarOwner } from './tar';

/** What was last put into each instance's volumes (a hash of the archive), so an unchanged one is not put again. */
const lastPut = processWide('store.accounts.put', () => new Map<string, string>());

/** Forgets what was put into an instance (its container or volumes are new). */
export const forgetPut = (instanceId: string) => lastPut.delete(instanceId);

/** The files an instance's accounts are, as one archive rooted at `/`. */
export function instanceFiles(tx: DbOrTx, item: AccountInstance): { entries: TarEntry[]; accounts: number } {
  const { row, manifest, accounts } = item;
  if (accounts.kind !== 'htpasswd') return { entries: [], accounts: 0 };
  const enabled = enabledPeers(tx);
  const active = rowsOf(tx, row.id).filter((a) => !a.removing && a.peerId !== null && enabled.get(a.peerId));
  const mount = (volume: string) => manifest.volumes.find((v) => v.name === volume)!.mount.slice(1);
  const entries: TarEntry[] = [
    { path: `${mount(accounts.volume)}/${accounts.file}`, content: renderHtpasswd(active), mode: 0o600 },
  ];
  const rights = accounts.rights;
  if (!rights) return { entries, accounts: active.length };
  const byPeer = new Map(active.map((a) => [a.peerId!, a.username]));
  const groups = serviceAccess(tx).groups;
  const slugs = sharedSlugs(groups);
  const shared: SharedGroup[] = groups
    .map((g) => ({ slug: slugs.get(g.id)!, name: g.name, members: g.members.flatMap((p) => byPeer.get(p) ?? []) }))
    .filter((g) => g.members.length);
  const root = rights.shared.root ? `${rights.shared.root}/` : '';
  const tree = `${mount(rights.shared.volume)}/${root}`;
  // Every folder from the volume down to the shared one, so the service owns each it may write in.
  const below = `${root}${rights.shared.folder}`.split('/');
  below.forEach((_, i) =>
    entries.push({ path: `${mount(rights.shared.volume)}/${below.slice(0, i + 1).join('/')}`, mode: 0o755 }),
  );
  const rightsFile = `${mount(accounts.volume)}/${rights.file}`;
  if (rights.format === 'radicale') {
    entries.push({
      path: rightsFile,
      content: renderRadicaleRights({ shared: rights.shared.folder, groups: shared }),
      mode: 0o644,
    });
    for (const g of shared) {
      const at = `${tree}${rights.shared.folder}/${g.slug}`;
      entries.push({ path: at, mode: 0o755 });
      for (const kind of ['calendar', 'addressbook'] as const) {
        entries.push({ path: `${at}/${kind}`, mode: 0o755 });
        entries.push({
          path: `${at}/${kind}/.Radicale.props`,
          content: radicaleCollectionProps(kind, g.name),
          mode: 0o644,
        });
      }
    }
  } else {
    const users = active.map((a) => a.username);
    entries.push({
      path: rightsFile,
      content: renderApacheAccess({ shared: rights.shared.folder, users, groups: shared }),
      mode: 0o644,
    });
    for (const u of users) entries.push({ path: `${tree}${u}`, mode: 0o755 });
    for (const g of shared) entries.push({ path: `${tree}${rights.shared.folder}/${g.slug}`, mode: 0o755 });
  }
  return { entries, accounts: active.length };
}

/**
 * The user the service runs as, so the files it is given are its own (it reads its htpasswd
 * and writes in its shared folders); or why it cannot be asked.
 */
export async function ownerIn(engine: Engine, container: string): Promise<TarOwner | string> {
  try {
    const { exitCode, stdout, stderr } = await engine.exec(container, ['id']);
    const m = /uid=(\d+).*?gid=(\d+)/.exec(stdout);
    if (exitCode !== 0 || !m)
      return `its container could not say its user (id exited ${exitCode}: ${(stderr || stdout).trim().slice(0, 160)})`;
    return { uid: Number(m[1]), gid: Number(m[2]) };
  } catch (err) {
    // The engine says which: the container is not there yet, or not running.
    if (err instanceof EngineUnavailableError) return err.message;
    throw err;
  }
}

/** Puts the instance's files unless they are what was put last; returns why it waits, if it does. */
export async function putFiles(
  engine: Engine,
  docker: Docker,
  item: AccountInstance,
  entries: TarEntry[],
): Promise<{ put: boolean; waiting?: string }> {
  const id = item.row.id;
  const hash = crypto.createHash('sha256').update(tarOf(entries)).digest('hex');
  if (lastPut.get(id) === hash) return { put: false };
  const container = serviceContainer(id);
  const owner = await ownerIn(engine, container);
  if (typeof owner === 'string') return { put: false, waiting: owner };
  await docker.getContainer(container).putArchive(tarOf(entries, owner), { path: '/' });
  const reload = item.accounts.kind === 'htpasswd' ? item.accounts.rights?.reload : undefined;
  if (reload) {
    const done = await engine.exec(container, reload);
    if (done.exitCode !== 0)
      throw new Error(`${id} did not reload its accounts (${reload.join(' ')}): ${done.stderr.trim().slice(0, 200)}`);
  }
  lastPut.set(id, hash);
  return { put: true };
}
