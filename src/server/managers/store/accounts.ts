/**
 * Peers' accounts on installed services. A peer has one on a service while it has a portal
 * login and the firewall lets it use the service; the cell renders the service's htpasswd
 * (enabled peers only: a disabled peer's account is kept, and refused) and its rights, and
 * puts them into the service's volume. A password is generated, kept as a bcrypt hash, and
 * shown once: to the peer in the portal, or to the admin on the service page.
 */
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { and, eq } from 'drizzle-orm';
import type { Manifest } from '@/lib/schemas/store';
import type { Db, DbOrTx } from '../../db';
import { serviceAccounts } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import { serialQueue } from '../../runtime/serial';
import { EngineUnavailableError, type Engine } from '../../runtime/docker';
import { randomPassword } from '../accounts';
import { serviceAccess } from '../firewall';
import { portalLogins } from '../peers';
import { serviceContainer } from './model';
import {
  radicaleCollectionProps,
  renderApacheAccess,
  renderHtpasswd,
  renderRadicaleRights,
  sharedSlugs,
  type SharedGroup,
} from './render-accounts';
import { instanceRows, manifestOfRow, type InstanceRow } from './state';
import { tarOf, type TarEntry, type TarOwner } from './tar';

type HtpasswdAccounts = Extract<NonNullable<Manifest['accounts']>, { kind: 'htpasswd' }>;
type AccountRow = typeof serviceAccounts.$inferSelect;

const BCRYPT_COST = 10;
const serially = serialQueue('store.accounts');
/** What was last put into each instance's volumes (a hash of the archive), so an unchanged one is not put again. */
const lastPut = processWide('store.accounts.put', () => new Map<string, string>());

/** The instances whose accounts the cell renders, with how. */
function accountInstances(tx: DbOrTx): { row: InstanceRow; manifest: Manifest; accounts: HtpasswdAccounts }[] {
  return instanceRows(tx).flatMap((row) => {
    if (row.state === 'removing') return [];
    const manifest = manifestOfRow(row);
    return manifest.accounts?.kind === 'htpasswd' ? [{ row, manifest, accounts: manifest.accounts }] : [];
  });
}

const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

/** Makes and drops account rows so that they match the logins and the firewall's access. */
async function settleRows(db: Db): Promise<void> {
  const plan = db.transaction((tx) => {
    const access = serviceAccess(tx);
    const logins = portalLogins(tx);
    const want = new Map<string, { instanceId: string; peerId: number; username: string }>();
    for (const { row } of accountInstances(tx))
      for (const l of logins)
        if (access.peers.get(l.peerId)?.includes(row.id))
          want.set(`${row.id}/${l.peerId}`, { instanceId: row.id, peerId: l.peerId, username: l.username });
    const have = tx.select().from(serviceAccounts).all();
    const key = (a: { instanceId: string; peerId: number }) => `${a.instanceId}/${a.peerId}`;
    return {
      drop: have.filter((a) => want.get(key(a))?.username !== a.username).map((a) => a.id),
      make: [...want.values()].filter((w) => !have.some((a) => key(a) === key(w) && a.username === w.username)),
    };
  });
  if (!plan.drop.length && !plan.make.length) return;
  // Nobody is shown these: a peer or the admin sets a password that is shown once.
  const made = await Promise.all(
    plan.make.map(async (m) => ({ ...m, passwordHash: await hashPassword(crypto.randomBytes(24).toString('base64')) })),
  );
  const now = runtimeOf(db).clock();
  db.transaction((tx) => {
    for (const id of plan.drop) tx.delete(serviceAccounts).where(eq(serviceAccounts.id, id)).run();
    for (const m of made)
      tx.insert(serviceAccounts)
        .values({ ...m, createdAt: now, passwordShownAt: null })
        .onConflictDoNothing()
        .run();
  });
}

/** The files an instance's accounts are, as one archive rooted at `/`. */
function instanceFiles(
  tx: DbOrTx,
  item: ReturnType<typeof accountInstances>[number],
): { entries: TarEntry[]; accounts: number } {
  const { row, manifest, accounts } = item;
  const rows = tx.select().from(serviceAccounts).where(eq(serviceAccounts.instanceId, row.id)).all();
  const enabled = new Map(portalLogins(tx).map((l) => [l.peerId, l.enabled]));
  const active = rows.filter((a) => enabled.get(a.peerId));
  const mount = (volume: string) => manifest.volumes.find((v) => v.name === volume)!.mount.slice(1);
  const entries: TarEntry[] = [
    { path: `${mount(accounts.volume)}/${accounts.file}`, content: renderHtpasswd(active), mode: 0o600 },
  ];
  const rights = accounts.rights;
  if (rights) {
    const byPeer = new Map(active.map((a) => [a.peerId, a.username]));
    const groups = serviceAccess(tx).groups;
    const slugs = sharedSlugs(groups);
    const shared: SharedGroup[] = groups
      .map((g) => ({
        slug: slugs.get(g.id)!,
        name: g.name,
        members: g.members.flatMap((p) => byPeer.get(p) ?? []),
      }))
      .filter((g) => g.members.length);
    const tree = `${mount(rights.shared.volume)}/${rights.shared.root ? `${rights.shared.root}/` : ''}`;
    // Every folder from the volume down to the shared one, so the service owns each it may write in.
    const below = `${rights.shared.root ? `${rights.shared.root}/` : ''}${rights.shared.folder}`.split('/');
    below.forEach((_, i) =>
      entries.push({ path: `${mount(rights.shared.volume)}/${below.slice(0, i + 1).join('/')}`, mode: 0o755 }),
    );
    if (rights.format === 'radicale') {
      entries.push({
        path: `${mount(accounts.volume)}/${rights.file}`,
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
        path: `${mount(accounts.volume)}/${rights.file}`,
        content: renderApacheAccess({ shared: rights.shared.folder, users, groups: shared }),
        mode: 0o644,
      });
      for (const u of users) entries.push({ path: `${tree}${u}`, mode: 0o755 });
      for (const g of shared) entries.push({ path: `${tree}${rights.shared.folder}/${g.slug}`, mode: 0o755 });
    }
  }
  return { entries, accounts: active.length };
}

export interface AccountsOutcome {
  state: 'applied' | 'pending';
  reason?: string;
  /** Per instance: its enabled accounts, and whether its files were put again. */
  instances: { id: string; accounts: number; put: boolean; waiting?: string }[];
}

/**
 * Brings every service's accounts in line with the logins and the firewall, then puts each
 * service's files where they changed. A service whose container is not there yet waits.
 */
export function syncAccounts(db: Db, only?: string): Promise<AccountsOutcome> {
  return serially(async () => {
    await settleRows(db);
    const rendered = db.transaction((tx) =>
      accountInstances(tx)
        .filter((i) => !only || i.row.id === only)
        .map((i) => ({ id: i.row.id, reload: i.accounts.rights?.reload, ...instanceFiles(tx, i) })),
    );
    if (!rendered.length) return { state: 'applied', instances: [] };
    const { engine } = runtimeOf(db);
    if (!(await engine.status()).reachable)
      return {
        state: 'pending',
        reason: 'the engine cannot be reached',
        instances: rendered.map((r) => ({ id: r.id, accounts: r.accounts, put: false, waiting: 'the engine' })),
      };
    const docker = await engine.client();
    const instances: AccountsOutcome['instances'] = [];
    for (const r of rendered) {
      const hash = crypto.createHash('sha256').update(tarOf(r.entries)).digest('hex');
      if (lastPut.get(r.id) === hash) {
        instances.push({ id: r.id, accounts: r.accounts, put: false });
        continue;
      }
      const container = serviceContainer(r.id);
      const owner = await ownerIn(engine, container);
      if (typeof owner === 'string') {
        instances.push({ id: r.id, accounts: r.accounts, put: false, waiting: owner });
        continue;
      }
      await docker.getContainer(container).putArchive(tarOf(r.entries, owner), { path: '/' });
      if (r.reload) {
        const done = await engine.exec(container, r.reload);
        if (done.exitCode !== 0)
          throw new Error(
            `${r.id} did not reload its accounts (${r.reload.join(' ')}): ${done.stderr.trim().slice(0, 200)}`,
          );
      }
      lastPut.set(r.id, hash);
      instances.push({ id: r.id, accounts: r.accounts, put: true });
    }
    const waiting = instances.find((i) => i.waiting);
    return waiting
      ? { state: 'pending', reason: `${waiting.id}: ${waiting.waiting}`, instances }
      : { state: 'applied', instances };
  });
}

/**
 * The user the service runs as, so the files it is given are its own (it reads its htpasswd
 * and writes in its shared folders); or why it cannot be asked.
 */
async function ownerIn(engine: Engine, container: string): Promise<TarOwner | string> {
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

/** Forgets what was put into an instance (its container or volumes are new). */
export const forgetPut = (instanceId: string) => lastPut.delete(instanceId);

function accountOf(db: Db, instanceId: string, peerId: number): AccountRow {
  const row = db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.instanceId, instanceId), eq(serviceAccounts.peerId, peerId)))
    .get();
  if (!row) throw new NotFoundError(`This peer has no account on ${instanceId}`);
  return row;
}

/** A new password for a peer's account on a service, returned once and kept only as its hash. */
export async function resetAccountPassword(db: Db, instanceId: string, peerId: number) {
  await syncAccounts(db, instanceId);
  const account = accountOf(db, instanceId, peerId);
  const password = randomPassword(20);
  const passwordHash = await hashPassword(password);
  db.update(serviceAccounts)
    .set({ passwordHash, passwordShownAt: runtimeOf(db).clock() })
    .where(eq(serviceAccounts.id, account.id))
    .run();
  const outcome = await syncAccounts(db, instanceId);
  return { username: account.username, password, applied: outcome.state === 'applied' };
}

/** The accounts on one service, for its page: who, since when; never a password or its hash. */
export function listAccounts(db: Db, instanceId: string) {
  const enabled = new Map(portalLogins(db).map((l) => [l.peerId, l.enabled]));
  return db
    .select()
    .from(serviceAccounts)
    .where(eq(serviceAccounts.instanceId, instanceId))
    .all()
    .map((a) => ({
      peerId: a.peerId,
      username: a.username,
      enabled: enabled.get(a.peerId) ?? false,
      createdAt: a.createdAt,
      passwordShownAt: a.passwordShownAt,
    }));
}

/** A peer's accounts, by instance: what its portal lists. */
export function accountsOfPeer(db: Db, peerId: number): AccountRow[] {
  return db.select().from(serviceAccounts).where(eq(serviceAccounts.peerId, peerId)).all();
}
