import { describe, expect, it } from 'vitest';
import { applyPullEvent, type PullJob } from '@/server/managers/containers/images';
import { canonicalJson } from '@/lib/canonical-json';
import { createOptions } from '@/server/managers/containers/options';
import {
  desiredSpecs,
  LABEL_HASH,
  specHash,
  type ComponentRow,
  type ContainerSpec,
  type StackInputs,
} from '@/server/managers/containers/spec';
import { planReconcile, type ActualContainer } from '@/server/managers/containers/plan';
import { imageOverrides } from '@/server/managers/containers/stack';
import { FrameSplitter } from '@/server/runtime/docker';

const row = (component: ComponentRow['component'], hostIndex: number, enabled = true): ComponentRow => ({
  component,
  enabled,
  image: null,
  hostIndex,
  restartPolicy: 'unless-stopped',
});

const inputs = (over: Partial<StackInputs> = {}): StackInputs => ({
  subnet: '172.20.0.0/16',
  components: [row('caddy', 2), row('dns', 3), row('ntp', 4), row('wireguard', 5), row('dhcp', 6, false)],
  hostDataDir: '/srv/cell',
  wireguard: { listenPort: 51820, ipv6: false },
  imageOverrides: {},
  ...over,
});

/** What the engine would report for a container made from this spec. */
const actualOf = (spec: ContainerSpec, over: Partial<ActualContainer> = {}): ActualContainer => ({
  id: `id-${spec.component}`,
  name: spec.name,
  component: spec.component,
  hash: specHash(spec),
  spec: JSON.parse(canonicalJson(spec)),
  running: true,
  state: 'running',
  ...over,
});

describe('desired specs', () => {
  it('has one container per enabled component with a static address, config mount and labels', () => {
    const specs = desiredSpecs(inputs());
    expect(specs.map((s) => s.name)).toEqual(['cell-caddy', 'cell-dns', 'cell-ntp', 'cell-wireguard']);
    const wg = specs.find((s) => s.component === 'wireguard')!;
    expect(wg.network).toEqual({ mode: 'cell', name: 'cell-network', ipv4: '172.20.0.5' });
    expect(wg.capAdd).toEqual(['NET_ADMIN']);
    expect(wg.ports).toEqual([{ container: 51820, host: 51820, protocol: 'udp' }]);
    expect(wg.mounts).toEqual([{ source: '/srv/cell/config/wireguard', target: '/config', readOnly: false }]);
    expect(wg.sysctls['net.ipv4.ip_forward']).toBe('1');
    const opts = createOptions(wg);
    expect(opts.HostConfig.Privileged).toBe(false);
    expect(opts.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(opts.Labels['cell.managed']).toBe('true');
    expect(opts.Labels['cell.component']).toBe('wireguard');
    expect(opts.Labels[LABEL_HASH]).toBe(specHash(wg));
    expect(opts.NetworkingConfig).toEqual({
      EndpointsConfig: { 'cell-network': { IPAMConfig: { IPv4Address: '172.20.0.5' } } },
    });
    expect(opts.HostConfig.PortBindings).toEqual({ '51820/udp': [{ HostPort: '51820' }] });
  });

  it('follows the subnet, the listen port, IPv6 and image overrides', () => {
    const specs = desiredSpecs(
      inputs({
        subnet: '10.9.0.0/24',
        wireguard: { listenPort: 4500, ipv6: true },
        imageOverrides: { dns: 'local/dns:1' },
      }),
    );
    expect(specs.find((s) => s.component === 'caddy')!.network).toMatchObject({ ipv4: '10.9.0.2' });
    const wg = specs.find((s) => s.component === 'wireguard')!;
    expect(wg.ports[0]).toMatchObject({ container: 4500, host: 4500 });
    expect(wg.sysctls['net.ipv6.conf.all.forwarding']).toBe('1');
    expect(specs.find((s) => s.component === 'dns')!.image).toBe('local/dns:1');
  });

  it('runs DHCP on the host network when it is enabled', () => {
    const specs = desiredSpecs(inputs({ components: [row('caddy', 2), row('dhcp', 6)] }));
    const dhcp = specs.find((s) => s.component === 'dhcp')!;
    expect(dhcp.network).toEqual({ mode: 'host' });
    expect(createOptions(dhcp).HostConfig.NetworkMode).toBe('host');
    expect(createOptions(dhcp).NetworkingConfig).toBeUndefined();
  });

  it('reads PIC_IMAGE_<COMPONENT> overrides', () => {
    expect(imageOverrides({ PIC_IMAGE_CADDY: 'local/caddy:test', PIC_IMAGE_NTP: ' ', OTHER: 'x' })).toEqual({
      caddy: 'local/caddy:test',
    });
  });
});

describe('spec hash', () => {
  it('does not depend on key order, and changes with any part of the spec', () => {
    const [caddy] = desiredSpecs(inputs());
    const shuffled = Object.fromEntries(Object.entries(caddy!).reverse()) as unknown as ContainerSpec;
    expect(specHash(shuffled)).toBe(specHash(caddy!));
    expect(specHash({ ...caddy!, image: 'caddy:2.11' })).not.toBe(specHash(caddy!));
    expect(specHash({ ...caddy!, restartPolicy: 'always' })).not.toBe(specHash(caddy!));
    expect(specHash({ ...caddy!, sysctls: { a: '1' } })).not.toBe(specHash(caddy!));
    expect(specHash(caddy!)).toMatch(/^[a-f0-9]{64}$/);
  });
});

describe('reconcile plan', () => {
  const desired = desiredSpecs(inputs());

  it('creates everything from empty, and says DHCP is disabled', () => {
    const plan = planReconcile(desired, []);
    expect(plan.map((a) => a.kind)).toEqual(['create', 'create', 'create', 'create', 'absent']);
  });

  it('keeps what matches, so a second run changes nothing', () => {
    const plan = planReconcile(
      desired,
      desired.map((s) => actualOf(s)),
    );
    expect(plan.filter((a) => a.kind !== 'keep' && a.kind !== 'absent')).toEqual([]);
  });

  it('recreates only the component whose spec changed, naming what changed', () => {
    const changed = desiredSpecs(inputs({ imageOverrides: { ntp: 'local/ntp:2' } }));
    const plan = planReconcile(
      changed,
      desired.map((s) => actualOf(s)),
    );
    const recreate = plan.filter((a) => a.kind === 'recreate');
    expect(recreate).toHaveLength(1);
    expect(recreate[0]).toMatchObject({ spec: { component: 'ntp' }, reason: 'changed: image' });
  });

  it('starts a stopped container and removes the containers of a disabled component', () => {
    const actual = desired.map((s) => actualOf(s, s.component === 'dns' ? { running: false, state: 'exited' } : {}));
    const withoutNtp = desired.filter((s) => s.component !== 'ntp');
    const plan = planReconcile(withoutNtp, actual);
    expect(plan.find((a) => a.kind === 'start')).toMatchObject({ reason: 'was exited' });
    expect(plan.find((a) => a.kind === 'remove')).toMatchObject({
      actual: { name: 'cell-ntp' },
      reason: 'ntp is disabled',
    });
  });

  it('removes a duplicate and a component that left the stack, keeping the right one', () => {
    const dns = desired.find((s) => s.component === 'dns')!;
    const actual = [
      ...desired.map((s) => actualOf(s)),
      actualOf(dns, { id: 'stray', name: 'old-dns' }),
      { ...actualOf(dns), id: 'gone', name: 'cell-old', component: 'old' },
    ];
    const removed = planReconcile(desired, actual).filter((a) => a.kind === 'remove');
    expect(removed.map((a) => (a.kind === 'remove' ? a.actual.id : ''))).toEqual(['stray', 'gone']);
  });
});

describe('engine streams', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it('splits multiplexed frames into lines across chunk boundaries', () => {
    const split = new FrameSplitter();
    const all = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'err\n'), frame(1, 'o\nthree')]);
    const lines = [
      ...split.push(all.subarray(0, 5)),
      ...split.push(all.subarray(5, 17)),
      ...split.push(all.subarray(17)),
      ...split.end(),
    ];
    expect(lines).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stderr', text: 'err' },
      { stream: 'stdout', text: 'two' },
      { stream: 'stdout', text: 'three' },
    ]);
  });

  it('turns pull progress events into a percentage and keeps the engine error', () => {
    const job: PullJob = {
      id: 'j',
      image: 'x',
      state: 'running',
      percent: 0,
      status: '',
      layers: {},
      error: null,
      startedAt: new Date(),
      finishedAt: null,
    };
    applyPullEvent(job, { status: 'Pulling from library/x', id: 'latest' });
    applyPullEvent(job, { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' });
    applyPullEvent(job, { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' });
    applyPullEvent(job, { status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 50, total: 100 } });
    expect(job.percent).toBe(18); // (0.35 + 0) / 2
    applyPullEvent(job, { status: 'Pull complete', id: 'aaaaaaaaaaaa' });
    applyPullEvent(job, { status: 'Extracting', id: 'bbbbbbbbbbbb', progressDetail: { current: 1, total: 2 } });
    expect(job.percent).toBe(93); // (1 + 0.85) / 2
    applyPullEvent(job, { error: 'manifest unknown', errorDetail: { message: 'manifest for x not found' } });
    expect(job.error).toBe('manifest for x not found');
  });
});
