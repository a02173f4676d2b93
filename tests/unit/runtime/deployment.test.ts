import { describe, expect, it } from 'vitest';
import { containerIdFromMountinfo, detectDeployment } from '@/server/runtime/deployment';

const ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);
// Lines as the engine leaves them in /proc/self/mountinfo (a data root under /srv/engine here).
const DOCKER = [
  '612 540 0:51 / / rw,relatime master:280 - overlay overlay rw,lowerdir=/srv/engine/overlay2/l/X',
  `625 612 259:1 /srv/engine/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/root rw`,
  `626 612 259:1 /srv/engine/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/root rw`,
  '627 612 259:1 /srv/pic-cell /data rw,relatime - ext4 /dev/root rw',
].join('\n');
const PODMAN = `701 690 0:60 /containers/storage/overlay-containers/${ID}/userdata/hosts /etc/hosts rw - tmpfs tmpfs rw`;
const HOST = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  // A folder that merely has the shape, mounted elsewhere, is not the container's own.
  `90 27 0:40 /srv/engine/containers/${ID}/hostname /mnt/hostname rw - ext4 /dev/root rw`,
].join('\n');

describe('where the server runs', () => {
  it('finds its container id in the mounts the engine gives every container', () => {
    expect(containerIdFromMountinfo(DOCKER)).toBe(ID);
    expect(containerIdFromMountinfo(PODMAN)).toBe(ID);
    expect(containerIdFromMountinfo(HOST)).toBeNull();
    expect(containerIdFromMountinfo('')).toBeNull();
  });

  it('takes PIC_SERVER_CONTAINER over what the mounts say, and `none` for a host', () => {
    expect(detectDeployment({}, () => DOCKER)).toEqual({ kind: 'container', container: ID });
    expect(detectDeployment({}, () => HOST)).toEqual({ kind: 'host' });
    expect(detectDeployment({ PIC_SERVER_CONTAINER: 'cell-server' }, () => HOST)).toEqual({
      kind: 'container',
      container: 'cell-server',
    });
    expect(detectDeployment({ PIC_SERVER_CONTAINER: 'none' }, () => DOCKER)).toEqual({ kind: 'host' });
  });
});
