/**
 * Real off-site targets on loopback for the backup tests: Debian's Apache with mod_dav (WebDAV
 * behind basic auth) and Debian's OpenSSH server (SFTP, signing in with a key).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Served {
  port: number;
  /** What the clients see: the WebDAV folder, or the SFTP user's folder. */
  root: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}: ${log()}`);
}

const MODULES = ['mpm_event', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_basic', 'dav', 'dav_fs'];

/** Apache serving `<root>` over WebDAV on 127.0.0.1, for `user` with `password`. */
export async function startWebdav(user: string, password: string): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-dav-'));
  fs.chmodSync(dir, 0o755);
  const root = path.join(dir, 'dav');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(dir, 'lock'));
  execFileSync('chown', ['www-data:www-data', root, path.join(dir, 'lock')]);
  execFileSync('htpasswd', ['-cbB', path.join(dir, 'htpasswd'), user, password], { stdio: 'ignore' });
  const port = await freePort();
  const conf = path.join(dir, 'httpd.conf');
  fs.writeFileSync(
    conf,
    [
      ...MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
      `Listen 127.0.0.1:${port}`,
      `ServerName localhost`,
      `PidFile ${dir}/httpd.pid`,
      `DefaultRuntimeDir ${dir}`,
      `ErrorLog ${dir}/error.log`,
      'User www-data',
      'Group www-data',
      `DocumentRoot ${root}`,
      `DavLockDB ${dir}/lock/DavLock`,
      `<Directory ${root}>`,
      '  Dav On',
      '  AuthType Basic',
      '  AuthName backups',
      `  AuthUserFile ${dir}/htpasswd`,
      '  Require valid-user',
      '</Directory>',
    ].join('\n') + '\n',
  );
  const child = spawn('apache2', ['-d', dir, '-f', conf, '-DFOREGROUND'], { stdio: 'ignore' });
  const log = () => fs.readFileSync(path.join(dir, 'error.log'), { encoding: 'utf8', flag: 'a+' });
  await listening(port, child, log);
  return {
    port,
    root,
    stop() {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** OpenSSH's sshd on 127.0.0.1 with SFTP, letting root in with the keys in `authorizedKeys`. */
export async function startSftp(): Promise<Served & { authorizedKeys: string; hostKeyFingerprint: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-sftp-'));
  const root = path.join(dir, 'home');
  fs.mkdirSync(root);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const hostKeyFingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const authorizedKeys = path.join(dir, 'authorized_keys');
  fs.writeFileSync(authorizedKeys, '', { mode: 0o600 });
  const port = await freePort();
  const conf = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
    ].join('\n') + '\n',
  );
  let err = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', conf]);
  child.stderr.on('data', (c) => (err += c));
  await listening(port, child, () => err);
  return {
    port,
    root,
    authorizedKeys,
    hostKeyFingerprint,
    stop() {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
