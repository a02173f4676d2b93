/**
 * A service's own TLS (mail's IMAP and submission) with a certificate from the cell's CA: the
 * certificate and key go into the volume its manifest names, owned by the service's user,
 * whenever they are new (issued, renewed, or the container was made again); then the
 * manifest's reload commands run. Devices that trust the cell's root then trust the service.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import crypto from 'node:crypto';
import type { Manifest } from '@/lib/schemas/store';
import type { Db } from '../../db';
import { processWide } from '../../runtime/process-wide';
import { runtimeOf } from '../../runtime/runtime';
import type { Step } from '../../runtime/steps';
import { cellFacts } from '../cell';
import { hasCa, keepServiceCertificates, serviceCertificate } from '../vault';
import { ownerIn } from './account-files';
import { serviceContainer } from './model';
import { instanceRow, instanceRows, manifestOfRow, type InstanceRow } from './state';
import { tarOf, type TarEntry } from './tar';

const lastPut = processWide('store.tls.put', () => new Map<string, string>());

type Tls = NonNullable<Manifest['tls']>;

/** The service's full names its certificate is for. */
export const tlsHosts = (db: Db, tls: Tls) => tls.hosts.map((h) => `${h}.${cellFacts(db).domain}`);

/** The certificate and key as files in the service's volume, for the names its manifest gives. */
async function tlsFiles(db: Db, row: InstanceRow, tls: Tls): Promise<{ hosts: string[]; entries: TarEntry[] }> {
  const manifest = manifestOfRow(row);
  const hosts = tlsHosts(db, tls);
  const { certPem, keyPem } = await serviceCertificate(db, row.id, hosts);
  const mount = manifest.volumes.find((v) => v.name === tls.volume)!.mount.slice(1);
  const entries: TarEntry[] = [
    { path: `${mount}/${path.posix.dirname(tls.cert)}`, mode: 0o755 },
    { path: `${mount}/${tls.cert}`, content: certPem, mode: 0o644 },
    { path: `${mount}/${tls.key}`, content: keyPem, mode: 0o600 },
  ];
  return { hosts, entries };
}

async function putTls(db: Db, row: InstanceRow, tls: Tls): Promise<string> {
  const { hosts, entries } = await tlsFiles(db, row, tls);
  const hash = crypto.createHash('sha256').update(tarOf(entries)).digest('hex');
  if (lastPut.get(row.id) === hash) return `in place for ${hosts.join(', ')}`;
  const { engine } = runtimeOf(db);
  const container = serviceContainer(row.id);
  const owner = await ownerIn(engine, container);
  if (typeof owner === 'string') throw new Error(owner);
  const docker = await engine.client();
  await docker.getContainer(container).putArchive(tarOf(entries, owner), { path: '/' });
  for (const argv of tls.reload) {
    const done = await engine.exec(container, argv);
    if (done.exitCode !== 0)
      throw new Error(`${row.id} did not take its certificate (${argv.join(' ')} exited ${done.exitCode})`);
  }
  lastPut.set(row.id, hash);
  return `from the cell's CA for ${hosts.join(', ')}`;
}

/**
 * Every installed service's certificate, issued or renewed where due and put where new; what
 * could not be put waits for the next pass (the loops' pass renews them).
 */
export async function syncServiceTls(db: Db): Promise<{ id: string; detail: string }[]> {
  const rows = instanceRows(db).filter((r) => r.state === 'installed' && manifestOfRow(r).tls);
  keepServiceCertificates(
    db,
    rows.map((r) => r.id),
  );
  if (!rows.length || !hasCa(db)) return [];
  const out: { id: string; detail: string }[] = [];
  for (const row of rows) {
    try {
      out.push({ id: row.id, detail: await putTls(db, row, manifestOfRow(row).tls!) });
    } catch (err) {
      out.push({ id: row.id, detail: `waiting: ${(err as Error).message}` });
    }
  }
  return out;
}

/**
 * A new container of a service that serves its own TLS gets its certificate before it first
 * starts: one that reads it only then (docker-mailserver with `SSL_TYPE=manual`) would not
 * start without it. Put as root, as such a service reads it; an image that runs as another
 * user gets its own copy from the certificate step once it runs. Without the CA yet, nothing.
 */
export async function tlsBeforeStart(db: Db, instanceId: string, container: Docker.Container): Promise<string | null> {
  const row = instanceRow(db, instanceId);
  const tls = manifestOfRow(row).tls;
  if (!tls || !hasCa(db)) return null;
  const user = (await container.inspect()).Config.User;
  if (user && user !== 'root' && !/^0(:0)?$/.test(user)) return null;
  const { hosts, entries } = await tlsFiles(db, row, tls);
  await container.putArchive(tarOf(entries), { path: '/' });
  return `its certificate for ${hosts.join(', ')} in place before it started`;
}

/** The install's step for a service that serves its own TLS: a failure leaves its own certificate in use. */
export function certificateStep(db: Db, instanceId: string, manifest: Manifest): Step[] {
  if (!manifest.tls) return [];
  const tls = manifest.tls;
  return [
    {
      name: 'certificate',
      optional: true,
      run: () => {
        lastPut.delete(instanceId);
        return putTls(db, instanceRow(db, instanceId), tls);
      },
    },
  ];
}
