/**
 * The cell's images built from Debian's packages (docker/debian/build-images.sh) on a test
 * engine. Rootfs tarballs are kept by content hash in one folder for every suite and run on
 * this machine, so a run builds each image once and the suites after it only import it.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestEngine } from './engine';

export const DEBIAN_IMAGE_TOOLS = ['mmdebstrap', 'docker'];
export const DEBIAN_IMAGE_INSTALL = 'apt-get install mmdebstrap docker.io';

export type DebianImage =
  'caddy' | 'chrony' | 'dnsmasq' | 'wireguard' | 'cell' | 'coredns-standin' | 'radicale' | 'webdav' | 'mail';

/** Builds (or imports from the cache) the images on the engine; returns the `PIC_IMAGE_*` settings for them. */
export async function debianImages(engine: TestEngine, images: DebianImage[]): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)('bash', ['docker/debian/build-images.sh', ...images], {
    env: {
      ...process.env,
      DOCKER_HOST: `unix://${engine.socket}`,
      PIC_IMAGE_CACHE: process.env.PIC_IMAGE_CACHE || path.join(os.tmpdir(), 'pic-image-cache'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => /^PIC_[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
