import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderError } from '@/server/managers/render-guard';
import {
  radicaleCollectionProps,
  renderApacheAccess,
  renderHtpasswd,
  renderRadicaleRights,
  sharedSlugs,
  type AccountEntry,
} from '@/server/managers/store/render-accounts';
import { tarOf } from '@/server/managers/store/tar';
import { valueFromOutput } from '@/server/managers/store/dns-records';
import { goldenCases } from '../../helpers/golden';

interface Case {
  shared: string;
  users: AccountEntry[];
  groups: { id: number; name: string; members: string[] }[];
}

function renderAll(input: Case): string {
  const slugs = sharedSlugs(input.groups);
  const groups = input.groups.map((g) => ({ slug: slugs.get(g.id)!, name: g.name, members: g.members }));
  const props = groups.map((g) => `${g.slug}: ${radicaleCollectionProps('calendar', g.name)}`);
  return [
    '## htpasswd',
    renderHtpasswd(input.users),
    '## radicale rights',
    renderRadicaleRights({ shared: input.shared, groups }),
    '## apache access',
    renderApacheAccess({ shared: input.shared, users: input.users.map((u) => u.username), groups }),
    '## shared calendars',
    ...props,
    '',
  ].join('\n');
}

describe('service account files', () => {
  it.each(goldenCases<Case>('service-accounts'))('render $name', async ({ input, expected }) => {
    await expect(renderAll(input)).toMatchFileSnapshot(expected);
  });

  it('writes every bcrypt hash as $2y$, the one spelling Apache and Radicale both read', () => {
    const text = renderHtpasswd([{ username: 'alice', passwordHash: `$2b$10$${'a'.repeat(53)}` }]);
    expect(text.split('\n')[1]).toBe(`alice:$2y$10$${'a'.repeat(53)}`);
  });

  it.each([
    ['a newline in a username', { username: 'eve\nroot', passwordHash: `$2b$10$${'a'.repeat(53)}` }],
    ['a colon in a username', { username: 'eve:x', passwordHash: `$2b$10$${'a'.repeat(53)}` }],
    ['a hash that is not bcrypt', { username: 'eve', passwordHash: 'plain\nroot:x' }],
  ])('refuses %s', (_, entry) => {
    expect(() => renderHtpasswd([entry])).toThrow(RenderError);
  });

  it('refuses a group member whose name would be a regex or a new section', () => {
    for (const member of ['.*', 'a|b', 'x]\n[root']) {
      const groups = [{ slug: 'family', name: 'Family', members: [member] }];
      expect(() => renderRadicaleRights({ shared: 'groups', groups })).toThrow(RenderError);
      expect(() => renderApacheAccess({ shared: 'groups', users: [], groups })).toThrow(RenderError);
    }
  });

  it('gives groups whose names meet the same folder a number each', () => {
    const slugs = sharedSlugs([
      { id: 3, name: 'The Family' },
      { id: 9, name: 'the  family!' },
      { id: 4, name: 'Friends' },
    ]);
    expect([...slugs.values()]).toEqual(['the-family-3', 'the-family-9', 'friends']);
  });

  it('packs files and folders that tar reads back with their content and modes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-tar-'));
    const archive = tarOf([
      { path: 'config/users', content: 'alice:x\n', mode: 0o600 },
      { path: 'data/groups', mode: 0o755 },
      {
        path: 'data/groups/family/.Radicale.props',
        content: '{"tag":"VCALENDAR","D:displayname":"Fämily"}',
        mode: 0o644,
      },
    ]);
    fs.mkdirSync(path.join(dir, 'config'));
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    expect(fs.readFileSync(path.join(dir, 'config/users'), 'utf8')).toBe('alice:x\n');
    expect(fs.statSync(path.join(dir, 'config/users')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'data/groups')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'data/groups/family/.Radicale.props'), 'utf8')).toContain('Fämily');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads a record's value from a service's output: zone-file strings joined, or the whole output", () => {
    const zoneForm = 'mail._domainkey\tIN\tTXT\t( "v=DKIM1; h=sha256; k=rsa; "\n\t  "p=MIIB\\"x" )  ; ----- DKIM key\n';
    expect(valueFromOutput(zoneForm)).toBe('v=DKIM1; h=sha256; k=rsa; p=MIIB"x');
    expect(valueFromOutput('v=DKIM1; p=abc\n')).toBe('v=DKIM1; p=abc');
  });
});
