/** A queue that runs its tasks one at a time, in call order; a failure does not stop the ones after it. */
export function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return function serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}
