import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveWriter, type ArchiveHeader } from '@/server/managers/backup/archive';
import { ArchiveError, readArchive, type ArchiveEntry } from '@/server/managers/backup/read';

const header: ArchiveHeader = {
  format: 'personal-internet-cell-backup',
  formatVersion: 1,
  id: 'b1',
  cellVersion: '0.1.0',
  schemaVersion: 21,
  createdAt: '2026-12-02T00:00:00.000Z',
};
// The lowest scrypt work factor keeps these tests quick; the cell uses age's default.
const FAST = 10;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-archive-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function write(file: string, lock: { passphrase: string } | { recipients: string[] }) {
  const source = path.join(dir, 'big.bin');
  fs.writeFileSync(source, Buffer.alloc(300_000, 7));
  const w = await ArchiveWriter.open(file, lock, header, FAST);
  w.addDirectory('secrets/');
  await w.addBuffer('secrets/secrets.key', Buffer.from('key\n'));
  await w.addFile('db/cell.db', source);
  w.addSymlink('config/current', 'caddy');
  return w.finish();
}

const expectRefused = async (promise: Promise<unknown>, problem: string, message: RegExp) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as ArchiveError).problem).toBe(problem);
  expect((err as Error).message).toMatch(message);
};

describe('backup archive', () => {
  it('writes a 0600 age file whose entries and manifest read back, and that age and tar open', async () => {
    const file = path.join(dir, 'a.age');
    const manifest = await write(file, { passphrase: 'correct horse' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(manifest.items.map((i) => [i.path, i.type, i.size])).toEqual([
      ['secrets/', 'directory', 0],
      ['secrets/secrets.key', 'file', 4],
      ['db/cell.db', 'file', 300_000],
      ['config/current', 'symlink', 0],
    ]);
    expect(manifest.bytes).toBe(300_004);

    const seen: Omit<ArchiveEntry, 'body'>[] = [];
    const read = await readArchive(
      file,
      { passphrase: 'correct horse' },
      {
        onEntry: async ({ body: _body, ...entry }) => {
          seen.push(entry);
        },
      },
    );
    expect(read.header).toEqual(header);
    expect(read.manifest).toEqual(manifest);
    expect(seen.map((e) => e.path)).toEqual(['secrets/', 'secrets/secrets.key', 'db/cell.db', 'config/current']);
    expect(seen[3]!.linkname).toBe('caddy');
  });

  it('opens with the identity of a recipient, and Debian age decrypts it to a tar that lists', async () => {
    const keyFile = path.join(dir, 'key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'pipe' });
    const identity = fs
      .readFileSync(keyFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
    const file = path.join(dir, 'r.age');
    await write(file, { recipients: [recipient] });
    await readArchive(file, { identity });
    const tarFile = path.join(dir, 'r.tar');
    execFileSync('age', ['-d', '-i', keyFile, '-o', tarFile, file]);
    const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual([
      'cell.json',
      'secrets/',
      'secrets/secrets.key',
      'db/cell.db',
      'config/current',
      'manifest.json',
    ]);
  });

  it('refuses a wrong passphrase, a flipped byte, a truncation and a newer header, saying which', async () => {
    const file = path.join(dir, 'a.age');
    await write(file, { passphrase: 'right' });
    const size = fs.statSync(file).size;
    await expectRefused(readArchive(file, { passphrase: 'wrong' }), 'passphrase', /passphrase or key does not open/);

    const flipped = path.join(dir, 'flipped.age');
    const bytes = fs.readFileSync(file);
    bytes[size - 5000]! ^= 1;
    fs.writeFileSync(flipped, bytes);
    await expectRefused(readArchive(flipped, { passphrase: 'right' }), 'damaged', /damaged/);

    const cut = path.join(dir, 'cut.age');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, size - 70_000));
    await expectRefused(readArchive(cut, { passphrase: 'right' }, { expectedSize: size }), 'truncated', /cut short/);

    fs.writeFileSync(path.join(dir, 'plain.txt'), 'not an archive at all');
    await expectRefused(
      readArchive(path.join(dir, 'plain.txt'), { passphrase: 'right' }),
      'not-an-archive',
      /not an age/,
    );

    await expectRefused(
      readArchive(
        file,
        { passphrase: 'right' },
        {
          onHeader: (h) => {
            throw new ArchiveError('newer', `schema ${h.schemaVersion} is newer`);
          },
        },
      ),
      'newer',
      /schema 21 is newer/,
    );
  });
});
