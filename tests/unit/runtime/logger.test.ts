import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logger } from '@/server/runtime/logger';
import { freshCell } from '../../helpers/db';

describe('logger', () => {
  it('writes one JSON object per line with the child service name', () => {
    const { dir } = freshCell();
    logger.child('dns').warn('zone rejected', { zone: 'cell', err: new Error('bad serial') });
    const lines = fs
      .readFileSync(path.join(dir, 'logs', 'cell.log'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      level: 'warn',
      service: 'cell.dns',
      msg: 'zone rejected',
      zone: 'cell',
      err: { message: 'bad serial' },
    });
  });

  it('rotates at 5 MB and keeps five files', () => {
    const { dir } = freshCell();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 6 * 16 * 5 + 10; i++) logger.info('filler', { big });
    const files = fs.readdirSync(path.join(dir, 'logs')).sort();
    expect(files).toEqual(['cell.log', 'cell.log.1', 'cell.log.2', 'cell.log.3', 'cell.log.4', 'cell.log.5']);
    for (const f of files) expect(fs.statSync(path.join(dir, 'logs', f)).size).toBeLessThanOrEqual(5 * 1024 * 1024);
  });
});
