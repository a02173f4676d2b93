/**
 * State that must exist once per server process. Next bundles the instrumentation hook
 * (boot and the loops) apart from the route handlers, so a module's top-level variable
 * can exist twice in one process: two reconcile queues racing to create the same
 * container, setup listeners registered where setup never runs. This keeps one copy of
 * each, by name, on globalThis.
 */
export function processWide<T>(key: string, init: () => T): T {
  const store = globalThis as unknown as Record<symbol, unknown>;
  const name = Symbol.for(`pic.${key}`);
  if (!(name in store)) store[name] = init();
  return store[name] as T;
}
