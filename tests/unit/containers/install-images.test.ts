import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPONENTS } from '@/lib/schemas/containers';
import { CATALOGUE } from '@/server/managers/containers/spec';

describe('install.sh', () => {
  it('pulls exactly the official images the stack runs by default (Caddy first, for the setup site)', () => {
    const line = /^core_images="([^"]+)"$/m.exec(fs.readFileSync('install.sh', 'utf8'));
    expect(line).not.toBeNull();
    const pulled = Object.fromEntries(line![1]!.split(' ').map((e) => e.split('=') as [string, string]));
    expect(pulled).toEqual(Object.fromEntries(COMPONENTS.map((c) => [c, CATALOGUE[c].defaultImage])));
    expect(Object.keys(pulled)[0]).toBe('caddy');
  });
});
