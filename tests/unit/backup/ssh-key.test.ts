import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { cellSshKey } from '@/server/managers/backup/offsite/sftp';
import { cellPaths } from '@/server/runtime/paths';

/** What ssh2 made about once in 256 keys: the public key 31 bytes long, its leading zero dropped. */
const CUT_SHORT = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz',
  'c2gtZWQyNTUxOQAAAB8z1dyl+3PK9ItyvoyDsd/1w6I0pyV97JUdBl8LACwaAAAA',
  'mIvvnlmL755ZAAAAC3NzaC1lZDI1NTE5AAAAHzPV3KX7c8r0i3K+jIOx3/XDojSn',
  'JX3slR0GXwsALBoAAAA/OYGzsAJAUEcejb1/vSjnegAS0k1RCLxjgikPAHKCSowz',
  '1dyl+3PK9ItyvoyDsd/1w6I0pyV97JUdBl8LACwaAAAAEGNlbGwtYmFja3VwQGhv',
  'bWUBAgMEBQYH',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

const cellDir = () => cellPaths({ PIC_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pic-ssh-key-')) });

describe("the cell's SSH key for off-site copies", () => {
  it('is made once, readable, and the same on every later read', () => {
    const paths = cellDir();
    const first = cellSshKey(paths, 'cell-backup@home');
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} cell-backup@home$/);
    expect(cellSshKey(paths, 'cell-backup@home')).toEqual(first);
    expect(fs.statSync(path.join(paths.secrets(), 'backup-ssh.key')).mode & 0o777).toBe(0o600);
  });

  it('never is one ssh2 cannot read back (its generator cuts about one public key in 256 short)', () => {
    for (let i = 0; i < 300; i++) {
      const { privateKey } = cellSshKey(cellDir(), 'cell-backup@home');
      expect(utils.parseKey(privateKey)).not.toBeInstanceOf(Error);
    }
  });

  it('one that cannot be read is kept aside and a new one made', () => {
    const paths = cellDir();
    fs.mkdirSync(paths.secrets(), { recursive: true });
    const file = path.join(paths.secrets(), 'backup-ssh.key');
    fs.writeFileSync(file, CUT_SHORT, { mode: 0o600 });
    expect(utils.parseKey(CUT_SHORT)).toBeInstanceOf(Error);
    const made = cellSshKey(paths, 'cell-backup@home');
    expect(utils.parseKey(made.privateKey)).not.toBeInstanceOf(Error);
    expect(fs.readFileSync(`${file}.unreadable`, 'utf8')).toBe(CUT_SHORT);
    expect(fs.readFileSync(file, 'utf8')).toBe(made.privateKey);
  });
});
