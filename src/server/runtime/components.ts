/**
 * What managers may do to a core component's container: run a command, send a signal,
 * restart it, and write into its config folder. Nothing else reaches the engine from them.
 */
import path from 'node:path';
import type { ComponentName } from '@/lib/schemas/containers';
import { ValidationError } from '../errors';
import { EngineUnavailableError, statusOf, type ExecResult } from './docker';
import { writeFileAtomic } from './fs-atomic';
import type { Runtime } from './runtime';

/** What these need of the cell's runtime: its engine and its folders. */
type On = Pick<Runtime, 'engine' | 'paths'>;

/** Every core component's container is named after it. */
export const containerName = (component: ComponentName) => `cell-${component}`;

/** Runs an argument array in the component's container; resolves with the exit code and output. */
export function exec(rt: On, component: ComponentName, argv: string[]): Promise<ExecResult> {
  if (!argv.length || argv.some((a) => typeof a !== 'string' || a.includes('\0')))
    throw new ValidationError('exec needs an argument array without NUL bytes');
  return rt.engine.exec(containerName(component), argv);
}

async function onContainer(
  rt: On,
  component: ComponentName,
  act: (c: import('dockerode').Container) => Promise<unknown>,
): Promise<void> {
  const docker = await rt.engine.client();
  try {
    await act(docker.getContainer(containerName(component)));
  } catch (err) {
    const status = statusOf(err);
    if (status === 404)
      throw new EngineUnavailableError(
        `Container ${containerName(component)} does not exist: reconcile the stack first`,
      );
    if (status === 409) throw new EngineUnavailableError(`Container ${containerName(component)} is not running`);
    throw rt.engine.error(err);
  }
}

export type Signal = 'SIGUSR1' | 'SIGUSR2' | 'SIGHUP' | 'SIGTERM';

/** Sends a signal to the component's main process (CoreDNS reloads on SIGUSR1). */
export function signal(rt: On, component: ComponentName, sig: Signal): Promise<void> {
  return onContainer(rt, component, (c) => c.kill({ signal: sig }));
}

export function restart(rt: On, component: ComponentName, timeoutSeconds = 10): Promise<void> {
  return onContainer(rt, component, (c) => c.restart({ t: timeoutSeconds }));
}

/** The component's config folder, bind-mounted into its container. */
export function configDir(rt: On, component: ComponentName): string {
  return rt.paths.config(component);
}

/**
 * Writes a file into the component's config folder atomically. `file` is relative and
 * stays inside the folder.
 */
export function writeConfig(
  rt: On,
  component: ComponentName,
  file: string,
  content: string | Buffer,
  mode = 0o644,
): string {
  const dir = configDir(rt, component);
  const target = path.resolve(dir, file);
  if (path.isAbsolute(file) || !target.startsWith(dir + path.sep))
    throw new ValidationError(`${file} is not inside the ${component} config folder`);
  writeFileAtomic(target, content, mode);
  return target;
}
