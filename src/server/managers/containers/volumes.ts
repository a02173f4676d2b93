/** Named volumes: list with who uses them, create, and remove only when nothing uses them. */
import type Docker from 'dockerode';
import { ConflictError, NotFoundError } from '../../errors';
import { engineMessage, statusOf, type Engine } from '../../runtime/docker';
import { LABEL_MANAGED } from './spec';

/** Volume name → names of the containers (running or not) that mount it. */
async function usage(docker: Docker): Promise<Map<string, string[]>> {
  const used = new Map<string, string[]>();
  for (const c of await docker.listContainers({ all: true })) {
    for (const m of c.Mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      used.set(m.Name, [...(used.get(m.Name) ?? []), (c.Names[0] ?? c.Id).replace(/^\//, '')]);
    }
  }
  return used;
}

export async function listVolumes(engine: Engine) {
  const docker = await engine.client();
  try {
    const [{ Volumes }, used] = await Promise.all([docker.listVolumes(), usage(docker)]);
    return (Volumes ?? [])
      .map((v) => ({
        name: v.Name,
        driver: v.Driver,
        mountpoint: v.Mountpoint,
        createdAt: (v as { CreatedAt?: string }).CreatedAt ? new Date((v as { CreatedAt?: string }).CreatedAt!) : null,
        managed: v.Labels?.[LABEL_MANAGED] === 'true',
        usedBy: used.get(v.Name) ?? [],
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    throw engine.error(err);
  }
}

export async function createVolume(engine: Engine, name: string) {
  const docker = await engine.client();
  try {
    await docker.getVolume(name).inspect();
    throw new ConflictError(`A volume named ${name} already exists`, 'name');
  } catch (err) {
    if (err instanceof ConflictError) throw err;
    if (statusOf(err) !== 404) throw engine.error(err);
  }
  const v = await docker.createVolume({ Name: name, Labels: { [LABEL_MANAGED]: 'true' } });
  return { name: (v as unknown as { Name: string }).Name ?? name };
}

export async function removeVolume(engine: Engine, name: string) {
  const docker = await engine.client();
  const users = (await usage(docker)).get(name);
  if (users?.length)
    throw new ConflictError(`Volume ${name} is in use by ${users.join(', ')}; remove those containers first`, 'name');
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if (statusOf(err) === 404) throw new NotFoundError(`No volume ${name}`);
    if (statusOf(err) === 409) throw new ConflictError(`Volume ${name} is in use: ${engineMessage(err)}`, 'name');
    throw engine.error(err);
  }
  return { name };
}
