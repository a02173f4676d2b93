import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '@/server/runtime/exec-channel';

describe('arguments sent to the shell in a container', () => {
  it('arrive exactly as given, whatever they hold', () => {
    const hostile = ["it's", '$(id)', '`id`', '; rm -rf /', '"quoted" \\ back', '*', '$HOME', "''", ''];
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${hostile.map(shellQuote).join(' ')}`], {
      encoding: 'utf8',
    });
    expect(echoed.split('\n').slice(0, -1)).toEqual(hostile);
  });

  it('refuse line breaks and NUL, which would end the command early', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) expect(() => shellQuote(bad)).toThrow(/NUL or line breaks/);
  });
});
