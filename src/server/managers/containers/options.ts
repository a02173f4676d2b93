/** Pure: the body of the engine's `POST /containers/create` for a spec, and the labels that say whose it is. */
import { canonicalJson } from '@/lib/canonical-json';
import {
  LABEL_COMPONENT,
  LABEL_HASH,
  LABEL_MANAGED,
  LABEL_SPEC,
  LABEL_STACK,
  specHash,
  type ContainerSpec,
  type EngineSpec,
  type PortSpec,
} from './spec';

export function labelsOf(spec: ContainerSpec): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_STACK]: 'core',
    [LABEL_COMPONENT]: spec.component,
    [LABEL_HASH]: specHash(spec),
    [LABEL_SPEC]: canonicalJson(spec),
  };
}

/** The body of `POST /containers/create` for a core component (what waits for its start goes in now). */
export const createOptions = (spec: ContainerSpec) =>
  engineOptions(spec.atNextStart ? { ...spec, env: { ...spec.env, ...spec.atNextStart.env } } : spec, labelsOf(spec));

/** The body of `POST /containers/create` for a spec and the labels that say whose it is. */
export function engineOptions(spec: EngineSpec, labels: Record<string, string>) {
  const portKey = (p: PortSpec) => `${p.container}/${p.protocol}`;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostPort: string }[]> = {};
  for (const p of spec.ports) {
    exposed[portKey(p)] = {};
    (bindings[portKey(p)] ??= []).push({ HostPort: String(p.host), ...(p.hostIp ? { HostIp: p.hostIp } : {}) });
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.env ? { Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) } : {}),
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: spec.network.mode === 'host' ? 'host' : spec.network.name,
      PortBindings: bindings,
      Mounts: spec.mounts.map((m) => ({
        Type: m.type ?? ('bind' as const),
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      CapAdd: spec.capAdd,
      ...(spec.devices
        ? { Devices: spec.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })) }
        : {}),
      Sysctls: spec.sysctls,
      Privileged: false,
      RestartPolicy: { Name: spec.restartPolicy },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '5' } },
    },
    NetworkingConfig:
      spec.network.mode === 'cell'
        ? { EndpointsConfig: { [spec.network.name]: { IPAMConfig: { IPv4Address: spec.network.ipv4 } } } }
        : undefined,
  };
}
