/** The background loops: started once per process, stopped together by one abort. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startLoops } from '@/server/loops';
import { freshCell } from '../../helpers/db';
import { withoutEngine } from '../../helpers/store';

describe('the loops', () => {
  it('hold one abort listener however many there are, and a second start stops the first', async () => {
    const { db } = freshCell();
    withoutEngine(db);
    const warnings: Error[] = [];
    const warned = (w: Error) => warnings.push(w);
    process.on('warning', warned);
    try {
      const first = startLoops(db);
      expect(getEventListeners(first.signal, 'abort')).toHaveLength(1);
      const second = startLoops(db);
      expect(first.signal.aborted).toBe(true);
      expect(second.signal.aborted).toBe(false);
      second.abort();
      // Node emits its warnings on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', warned);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
