/**
 * A stand-in for `cell-wireguard` that really tunnels: busybox for the shell, and this
 * machine's own `wg`, `wireguard-go` and iptables (with the libraries they load), so the
 * container backend is exercised against a real interface. It needs the TUN device
 * (`PIC_WG_USERSPACE=1`) and NET_ADMIN, which the cell's spec gives it.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';

export const WIREGUARD_STANDIN = 'pic-standin/wireguard-go:2';

const ENTRYPOINT = `#!/bin/sh
# The interface comes up empty; the cell loads its config through wg and iptables.
export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
mkdir -p /var/run/wireguard
wireguard-go wg0 || exit 1
ip link set wg0 up
echo "standin wireguard-go wg0 up"
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
`;

const which = (cmd: string) => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();

/** The shared libraries a binary loads, from ldd. */
function librariesOf(file: string): string[] {
  const out = execFileSync('ldd', [file], { encoding: 'utf8' });
  return [...out.matchAll(/(\/[^\s)]+)/g)].map((m) => m[1]!).filter((l) => fs.existsSync(l));
}

function copyInto(root: string, file: string): void {
  const real = fs.realpathSync(file);
  for (const target of new Set([file, real])) {
    const dest = path.join(root, target);
    if (fs.existsSync(dest)) continue;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(real, dest);
    fs.chmodSync(dest, fs.statSync(real).mode & 0o777);
  }
}

/** Builds the image once per engine (kept by its tag). */
export async function importWireguardStandin(docker: Docker): Promise<string> {
  try {
    await docker.getImage(WIREGUARD_STANDIN).inspect();
    return WIREGUARD_STANDIN;
  } catch {
    // not there yet
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-wg-rootfs-'));
  try {
    for (const d of ['bin', 'tmp', 'etc', 'config', 'run', 'var', 'dev']) fs.mkdirSync(path.join(root, d));
    fs.symlinkSync('../run', path.join(root, 'var/run'));
    fs.copyFileSync(which('busybox'), path.join(root, 'bin/busybox'));
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
    for (const applet of ['sh', 'sleep', 'echo', 'cat', 'mkdir', 'ip', 'printf', 'true', 'false', 'ls'])
      fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    const xtables = fs.realpathSync(which('iptables-restore'));
    const binaries = [which('wg'), which('wireguard-go'), xtables];
    const modulesDir = '/usr/lib/x86_64-linux-gnu/xtables';
    const modules = fs.existsSync(modulesDir) ? fs.readdirSync(modulesDir).map((f) => path.join(modulesDir, f)) : [];
    for (const file of [...binaries, ...modules]) {
      copyInto(root, file);
      for (const lib of librariesOf(file)) copyInto(root, lib);
    }
    for (const name of [
      'iptables',
      'iptables-restore',
      'iptables-save',
      'ip6tables',
      'ip6tables-restore',
      'ip6tables-save',
    ])
      fs.symlinkSync(xtables, path.join(root, 'bin', name));
    fs.symlinkSync(which('wg'), path.join(root, 'bin/wg'));
    fs.symlinkSync(which('wireguard-go'), path.join(root, 'bin/wireguard-go'));
    fs.writeFileSync(path.join(root, 'standin'), ENTRYPOINT, { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = WIREGUARD_STANDIN.split(':');
    const stream = await docker.importImage(
      tar.stdout as unknown as string,
      { repo, tag, changes: ['ENTRYPOINT ["/standin"]', 'ENV PATH=/bin:/usr/bin:/usr/sbin:/sbin'] } as object,
    );
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    return WIREGUARD_STANDIN;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
