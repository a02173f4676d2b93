import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExecChannel, hostShell, shellQuote } from '@/server/runtime/exec-channel';

const hostile = ["it's", '$(id)', '`id`', '; rm -rf /', '"quoted" \\ back', '*', '$HOME', "''", ''];

describe('arguments sent to the shell in a container', () => {
  it('arrive exactly as given, whatever they hold', () => {
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${hostile.map(shellQuote).join(' ')}`], {
      encoding: 'utf8',
    });
    expect(echoed.split('\n').slice(0, -1)).toEqual(hostile);
  });

  it('refuse line breaks and NUL, which would end the command early', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) expect(() => shellQuote(bad)).toThrow(/NUL or line breaks/);
  });
});

describe('a long-lived shell on the host', () => {
  it('runs commands one after another with their own output, errors and exit codes, in one process', async () => {
    const channel = new ExecChannel(hostShell(['sh'], 'the host'));
    const [pid, printed, failed, bare] = await Promise.all([
      channel.run(['sh', '-c', 'echo $PPID']),
      channel.run(['printf', '%s\\n', ...hostile]),
      channel.run(['sh', '-c', 'echo out; echo why >&2; exit 3']),
      // Output without a final line break still ends where the command ends.
      channel.run(['printf', 'no newline']),
    ]);
    expect(printed).toEqual({ exitCode: 0, stdout: hostile.map((h) => `${h}\n`).join(''), stderr: '' });
    expect(failed).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'why\n' });
    expect(bare).toEqual({ exitCode: 0, stdout: 'no newline\n', stderr: '' });
    // The same shell ran the next command: no new process per command.
    expect((await channel.run(['sh', '-c', 'echo $PPID'])).stdout).toBe(pid.stdout);
    channel.close();
  });

  it('hands an input over exactly, as a here-document nothing in it can end or expand', async () => {
    const channel = new ExecChannel(hostShell(['sh'], 'the host'));
    const input = ['$(id)', '`id`', "'EOF'", 'EOF', '__pic_0000000000000000__', '\\'].join('\n');
    expect((await channel.run(['cat'], input)).stdout).toBe(`${input}\n`);
    // Without an input a command reads nothing (it does not wait on the channel's).
    expect((await channel.run(['cat'])).stdout).toBe('');
    channel.close();
  });

  it('hands inputs over on descriptors 3 and up, beside standard input, each whole', async () => {
    const channel = new ExecChannel(hostShell(['sh'], 'the host'));
    const three = ['$(id)', 'EOF', "'x'"].join('\n');
    const r = await channel.run(['sh', '-c', 'cat /dev/fd/3; cat /dev/fd/4; cat'], 'on stdin', [three, 'four']);
    expect(r).toEqual({ exitCode: 0, stdout: `${three}\nfour\non stdin\n`, stderr: '' });
    // Without standard input the command still reads nothing there.
    expect((await channel.run(['sh', '-c', 'cat /dev/fd/3; cat'], undefined, ['only three'])).stdout).toBe(
      'only three\n',
    );
    await expect(channel.run(['true'], undefined, Array(8).fill('k'))).rejects.toThrow(/at most 7 inputs/);
    channel.close();
  });

  it('a shell that went away fails the command it was running, and the next command opens another', async () => {
    const channel = new ExecChannel(hostShell(['sh'], 'the host'));
    const first = (await channel.run(['sh', '-c', 'echo $PPID'])).stdout;
    await expect(channel.run(['sh', '-c', 'kill -9 $PPID'])).rejects.toThrow(/shell on the host ended/);
    const second = (await channel.run(['sh', '-c', 'echo $PPID'])).stdout;
    expect(second).not.toBe(first);
    channel.close();
  });

  it('a shell that cannot start says why', async () => {
    const channel = new ExecChannel(hostShell(['sh', '-c', 'echo no such namespace >&2; exit 1'], 'namespace x'));
    await expect(channel.run(['true'])).rejects.toThrow(/shell on namespace x ended \(exit 1\): no such namespace/);
  });

  it('does not keep the process alive once its commands are done', async () => {
    const script = [
      "const m = await import('./src/server/runtime/exec-channel.ts');",
      'const { ExecChannel, hostShell } = m.hostShell ? m : m.default;',
      "const channel = new ExecChannel(hostShell(['sh'], 'the host'));",
      "console.log((await channel.run(['echo', 'done'])).stdout.trim());",
    ].join('\n');
    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 20_000,
      },
    );
    expect(stdout.trim()).toBe('done');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
