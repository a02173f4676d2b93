import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flushLogs, logger, setLogLevels } from '@/server/runtime/logger';
import { freshCell } from '../../helpers/db';

afterEach(() => setLogLevels({}));

async function linesOf(dir: string, file: string) {
  await flushLogs();
  return fs
    .readFileSync(path.join(dir, 'logs', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('logger', () => {
  it("writes one JSON object per line to its service's file, with the module's name", async () => {
    const { dir } = freshCell();
    logger
      .child('dns')
      .child('zones')
      .warn('zone rejected', { zone: 'cell', err: new Error('bad serial') });
    expect((await linesOf(dir, 'dns.log')).at(-1)).toMatchObject({
      level: 'warn',
      service: 'cell.dns.zones',
      msg: 'zone rejected',
      zone: 'cell',
      err: { message: 'bad serial' },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('never writes a secret, at the top of the line or one level down', async () => {
    const { dir } = freshCell();
    logger.child('accounts').info('signed in', {
      username: 'ann',
      password: 'hunter2 hunter2',
      headers: { authorization: 'Bearer abc', cookie: 'sid=1' },
      answer: { passphrase: 'open sesame', token: 't0k3n' },
    });
    const lines = await linesOf(dir, 'accounts.log');
    const text = fs.readFileSync(path.join(dir, 'logs', 'accounts.log'), 'utf8');
    for (const secret of ['hunter2', 'Bearer abc', 'sid=1', 'open sesame', 't0k3n']) expect(text).not.toContain(secret);
    expect(lines.at(-1)).toMatchObject({
      username: 'ann',
      password: '[redacted]',
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      answer: { passphrase: '[redacted]', token: '[redacted]' },
    });
  });

  it('a level set for a service shows in the next line of every module under it, with no restart', async () => {
    const { dir } = freshCell();
    const module = logger.child('store').child('accounts');
    module.debug('hidden at info');
    setLogLevels({ 'cell.store': 'debug' });
    module.debug('shown at debug');
    logger.child('dns').debug('another service stays at info');
    setLogLevels({ 'cell.store': 'debug', 'cell.store.accounts': 'error' });
    module.warn('below error for this module');
    logger.child('store').debug('its service still at debug');
    const msgs = (await linesOf(dir, 'store.log')).map((l) => l.msg);
    expect(msgs).toEqual(['shown at debug', 'its service still at debug']);
    expect(fs.existsSync(path.join(dir, 'logs', 'dns.log'))).toBe(false);
  });

  it('rotates at 5 MB and keeps five files', async () => {
    const { dir } = freshCell();
    const big = 'x'.repeat(64 * 1024);
    const log = logger.child('filler');
    for (let i = 0; i < 6 * 16 * 5 + 10; i++) {
      log.info('filler', { big });
      if (i % 16 === 0) await flushLogs();
    }
    await flushLogs();
    const files = fs.readdirSync(path.join(dir, 'logs')).sort();
    expect(files).toEqual(['filler.log', 'filler.log.1', 'filler.log.2', 'filler.log.3', 'filler.log.4']);
    for (const f of files)
      expect(fs.statSync(path.join(dir, 'logs', f)).size).toBeLessThanOrEqual(5 * 1024 * 1024 + 70 * 1024);
  });
});
