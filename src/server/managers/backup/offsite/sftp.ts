/**
 * A folder on an SSH server as the off-site target, over SFTP: the server must show the host key
 * the admin trusted; the cell signs in with its own key (`secrets/backup-ssh.key`) or a password.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client, utils, type SFTPWrapper } from 'ssh2';
import { writeFileAtomic } from '../../../runtime/fs-atomic';
import { logger } from '../../../runtime/logger';
import type { CellPaths } from '../../../runtime/paths';
import { allowedAddress } from '../../../runtime/outbound';
import { archivesOf, OffsiteError, PROBE_TEXT, probeName, type Remote } from './target';

const log = logger.child('backup');

export interface SftpOptions {
  host: string;
  port: number;
  username: string;
  path: string;
  /** The server's key as `ssh-keygen -lf` prints it; without it the connection stops at the key. */
  hostKey?: string;
  password: string | null;
  privateKey: string;
  refuse: (address: string) => string | null;
}

/** The fingerprint OpenSSH shows for a key: SHA-256 of its wire form, base64 without padding. */
export const fingerprint = (key: Buffer) =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/** A server that showed a key the cell does not trust (`seen` is its fingerprint). */
export class HostKeyError extends OffsiteError {
  constructor(
    readonly seen: string,
    trusted: string | undefined,
  ) {
    super(
      trusted
        ? `The server showed the key ${seen}, not the trusted ${trusted}: its key changed, or someone is in between`
        : `The server's key is ${seen}: compare it with the server's own (ssh-keygen -lf on its host key) and trust it`,
    );
  }
}

/**
 * A new Ed25519 key in OpenSSH's format. ssh2 drops the public key's leading zero byte (about
 * one key in 256) and then cannot read its own key back: such a key is made again.
 */
function newSshKey(comment: string): string {
  for (;;) {
    const made = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(made.private) instanceof Error)) return made.private;
  }
}

/**
 * The cell's own SSH key for off-site copies: made once, its public half goes into
 * `authorized_keys`. One that cannot be read (made by the flaw above) was never usable: it is
 * kept aside as `backup-ssh.key.unreadable` and a new one made, and the page shows the new key.
 */
export function cellSshKey(paths: CellPaths, comment: string): { privateKey: string; publicKey: string } {
  const file = path.join(paths.secrets(), 'backup-ssh.key');
  let privateKey = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  let parsed = privateKey === null ? null : utils.parseKey(privateKey);
  if (privateKey === null || parsed instanceof Error) {
    if (privateKey !== null) {
      log.warn('the off-site SSH key could not be read: made a new one, the old one kept aside', {
        reason: (parsed as Error).message,
      });
      fs.renameSync(file, `${file}.unreadable`);
    }
    privateKey = newSshKey(comment);
    fs.mkdirSync(paths.secrets(), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, privateKey, 0o600);
    parsed = utils.parseKey(privateKey);
  }
  const key = parsed as Exclude<typeof parsed, Error | null>;
  return { privateKey, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}` };
}

const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

async function connect(o: SftpOptions): Promise<{ conn: Client; sftp: SFTPWrapper }> {
  const address = await allowedAddress(o.host, o.refuse);
  const conn = new Client();
  let seen: string | undefined;
  return new Promise((resolve, reject) => {
    conn.on('error', (err: Error & { level?: string }) => {
      if (seen && seen !== o.hostKey) return reject(new HostKeyError(seen, o.hostKey));
      if (err.level === 'client-authentication')
        return reject(
          new OffsiteError(
            `${o.host} refused ${o.username}: add the cell's key to its authorized_keys, or check the password`,
          ),
        );
      if (err.level === 'client-timeout') return reject(new OffsiteError(`${o.host}:${o.port} did not answer in time`));
      reject(new OffsiteError(`${o.host}:${o.port}: ${err.message}`));
    });
    conn.on('ready', () =>
      conn.sftp((err, sftp) =>
        err ? reject(new OffsiteError(`${o.host} has no SFTP: ${err.message}`)) : resolve({ conn, sftp }),
      ),
    );
    conn.connect({
      host: address,
      port: o.port,
      username: o.username,
      privateKey: o.privateKey,
      ...(o.password ? { password: o.password } : {}),
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) => (seen = fingerprint(key)) === o.hostKey,
    });
  });
}

export function sftpRemote(o: SftpOptions): Remote {
  const folderShown = o.path.startsWith('/') ? o.path : `/~/${o.path}`;
  const label = `sftp://${o.username}@${o.host}${o.port === 22 ? '' : `:${o.port}`}${folderShown}`;
  const at = (name: string) => path.posix.join(o.path, name);
  let open: Promise<{ conn: Client; sftp: SFTPWrapper }> | undefined;
  const session = () => (open ??= connect(o));

  async function folder(sftp: SFTPWrapper) {
    let dir = o.path.startsWith('/') ? '/' : '';
    for (const part of o.path.split('/').filter(Boolean)) {
      dir = dir ? path.posix.join(dir, part) : part;
      const there = await call<{ isDirectory(): boolean }>((cb) => sftp.stat(dir, cb)).catch(() => null);
      if (there?.isDirectory()) continue;
      if (there) throw new OffsiteError(`${dir} on ${o.host} is a file, not a folder`);
      await call((cb) => sftp.mkdir(dir, cb)).catch((err: Error) => {
        throw new OffsiteError(`${o.host} would not make the folder ${dir}: ${err.message}`);
      });
    }
  }

  const failed = (what: string) => (err: Error) => {
    throw err instanceof OffsiteError ? err : new OffsiteError(`${label}: could not ${what}: ${err.message}`);
  };

  return {
    label,
    async put(file, name, onBytes) {
      const { sftp } = await session();
      await folder(sftp);
      const size = fs.statSync(file).size;
      const part = at(`${name}.part`);
      await call((cb) => sftp.fastPut(file, part, { step: (sent) => onBytes?.(sent) }, cb)).catch(
        failed('send the archive'),
      );
      // The OpenSSH extension replaces a file already there; plain rename does not.
      await call((cb) => sftp.ext_openssh_rename(part, at(name), cb))
        .catch(() => call((cb) => sftp.rename(part, at(name), cb)))
        .catch(failed('rename the archive'));
      const stat = await call<{ size: number }>((cb) => sftp.stat(at(name), cb)).catch(failed('read the archive back'));
      if (stat.size !== size)
        throw new OffsiteError(`${label} holds ${stat.size} bytes of ${name} after the upload, not ${size}`);
    },
    async list() {
      const { sftp } = await session();
      const entries = await call<{ filename: string; attrs: { size: number; mtime: number; isFile(): boolean } }[]>(
        (cb) => sftp.readdir(o.path || '.', cb),
      ).catch(failed('list its files'));
      return archivesOf(
        entries
          .filter((e) => e.attrs.isFile())
          .map((e) => ({ name: e.filename, size: e.attrs.size, modifiedAt: new Date(e.attrs.mtime * 1000) })),
      );
    },
    async download(name, sink) {
      const { sftp } = await session();
      await pipeline(sftp.createReadStream(at(name)), sink).catch(failed('send an archive back'));
    },
    async remove(name) {
      const { sftp } = await session();
      await call((cb) => sftp.unlink(at(name), cb)).catch((err: Error & { code?: number }) => {
        // 2: SSH_FX_NO_SUCH_FILE
        if (err.code !== 2) failed('remove an archive')(err);
      });
    },
    async probe() {
      const { sftp } = await session();
      await folder(sftp);
      const name = at(probeName());
      await call((cb) => sftp.writeFile(name, PROBE_TEXT, cb)).catch(failed('write a file'));
      try {
        const back = await call<Buffer>((cb) => sftp.readFile(name, cb)).catch(failed('read a file back'));
        if (back.toString('utf8') !== PROBE_TEXT)
          throw new OffsiteError(`${label} gave back something else than was written`);
      } finally {
        await call((cb) => sftp.unlink(name, cb)).catch(() => undefined);
      }
    },
    close() {
      void open?.then(({ conn }) => conn.end()).catch(() => undefined);
    },
  };
}
