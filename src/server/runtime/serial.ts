import { processWide } from './process-wide';

export type Serially = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * The queue of this name: its tasks run one at a time, in call order, however many
 * bundles of the server ask for it; a failure does not stop the ones after it.
 */
export function serialQueue(name: string): Serially {
  return processWide(`serial.${name}`, () => {
    let tail: Promise<unknown> = Promise.resolve();
    return <T>(fn: () => Promise<T>): Promise<T> => {
      const next = tail.then(fn, fn);
      tail = next.catch(() => undefined);
      return next;
    };
  });
}
