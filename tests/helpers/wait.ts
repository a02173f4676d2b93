/** Asks again until the answer is good or time is up; returns the last answer, for the test to assert on. */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms: number, stepMs = 500): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, stepMs));
    v = await fn();
  }
  return v;
}
