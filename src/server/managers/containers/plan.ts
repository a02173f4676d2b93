/** Pure: the plan that turns what the engine has of the stack into what the cell wants. */
import { COMPONENTS, type ComponentName } from '@/lib/schemas/containers';
import { changedParts, specHash, type ContainerSpec } from './spec';

/** What the engine has of the stack: managed containers by component. */
export interface ActualContainer {
  id: string;
  name: string;
  component: string;
  hash: string | null;
  spec: Partial<ContainerSpec> | null;
  running: boolean;
  state: string;
}

export type Action =
  | { kind: 'create'; spec: ContainerSpec; reason: string }
  | { kind: 'recreate'; spec: ContainerSpec; actual: ActualContainer; reason: string }
  | { kind: 'start'; spec: ContainerSpec; actual: ActualContainer; reason: string }
  | { kind: 'keep'; spec: ContainerSpec; actual: ActualContainer; reason: string }
  | { kind: 'remove'; actual: ActualContainer; reason: string }
  | { kind: 'absent'; component: ComponentName; reason: string };

/**
 * The diff between desired and actual. Only managed containers are ever passed in, so
 * nothing without the `cell.managed` label can be planned for removal or recreation.
 */
export function planReconcile(desired: ContainerSpec[], actual: ActualContainer[]): Action[] {
  const byComponent = new Map<string, ActualContainer[]>();
  for (const a of actual) byComponent.set(a.component, [...(byComponent.get(a.component) ?? []), a]);
  const actions: Action[] = [];
  const wanted = new Map(desired.map((s) => [s.component, s]));

  for (const component of COMPONENTS) {
    const spec = wanted.get(component);
    const found = byComponent.get(component) ?? [];
    byComponent.delete(component);
    // A second container for one component (a stray from a crash) goes; the one with the right name stays.
    const main = spec ? (found.find((a) => a.name === spec.name) ?? found[0]) : undefined;
    for (const extra of found.filter((a) => a !== main)) {
      actions.push({
        kind: 'remove',
        actual: extra,
        reason: spec ? `a second container for ${component}` : `${component} is disabled`,
      });
    }
    if (!spec) {
      if (!found.length) actions.push({ kind: 'absent', component, reason: `${component} is disabled` });
      continue;
    }
    if (!main) {
      actions.push({ kind: 'create', spec, reason: 'missing' });
    } else if (main.hash !== specHash(spec) || main.name !== spec.name) {
      const parts = main.name !== spec.name ? ['name'] : changedParts(main.spec, spec);
      actions.push({ kind: 'recreate', spec, actual: main, reason: `changed: ${parts.join(', ') || 'spec'}` });
    } else if (!main.running) {
      actions.push({ kind: 'start', spec, actual: main, reason: `was ${main.state}` });
    } else {
      actions.push({ kind: 'keep', spec, actual: main, reason: 'matches the desired spec' });
    }
  }
  for (const [component, rest] of byComponent) {
    for (const a of rest)
      actions.push({ kind: 'remove', actual: a, reason: `${component} is no longer part of the stack` });
  }
  return actions;
}
