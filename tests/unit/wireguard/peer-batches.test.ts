import { describe, expect, it } from 'vitest';
import { setPeersCommands } from '@/server/managers/wireguard/backend';

const key = (n: number) => `${String(n).padStart(3, '0')}${'A'.repeat(40)}=`;
const peer = (n: number, psk: boolean) => ({
  publicKey: key(n),
  presharedKey: psk ? `psk-${n}` : null,
  allowedIps: [`10.0.0.${n}/32`],
});

describe('a batch of peers as wg set commands', () => {
  it('removes first, then sets each peer whole, its preshared key on a descriptor, never in argv', () => {
    const [one] = setPeersCommands('wg0', { remove: [key(1)], set: [peer(2, true), peer(3, false)] });
    expect(one).toEqual({
      argv: [
        ...['wg', 'set', 'wg0', 'peer', key(1), 'remove'],
        ...['peer', key(2), 'preshared-key', '/dev/fd/3', 'allowed-ips', '10.0.0.2/32'],
        ...['peer', key(3), 'preshared-key', '/dev/null', 'allowed-ips', '10.0.0.3/32'],
      ],
      fds: ['psk-2'],
    });
    expect(one!.argv.join(' ')).not.toContain('psk-');
  });

  it('takes seven preshared keys per command (descriptors 3 to 9), as many commands as needed', () => {
    const set = Array.from({ length: 16 }, (_, i) => peer(i + 10, i !== 15));
    const commands = setPeersCommands('wg0', { remove: [], set });
    expect(commands.map((c) => c.fds.length)).toEqual([7, 7, 1]);
    expect(commands.flatMap((c) => c.argv.filter((a) => a.startsWith('/dev/fd/')))).toEqual([
      ...['/dev/fd/3', '/dev/fd/4', '/dev/fd/5', '/dev/fd/6', '/dev/fd/7', '/dev/fd/8', '/dev/fd/9'],
      ...['/dev/fd/3', '/dev/fd/4', '/dev/fd/5', '/dev/fd/6', '/dev/fd/7', '/dev/fd/8', '/dev/fd/9'],
      '/dev/fd/3',
    ]);
    // Every peer once, in order, the one without a key in the last command.
    expect(commands.flatMap((c) => c.argv.filter((a) => a.endsWith('A=')))).toEqual(set.map((p) => p.publicKey));
    expect(setPeersCommands('wg0', { remove: [], set: [] })).toEqual([]);
  });
});
