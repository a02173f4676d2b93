/**
 * `cell-wireguard` from the image docker/debian builds (wireguard-tools, and wireguard-go
 * where the host has no module) on a real engine: the interface comes up from the wg0.conf
 * the cell renders, takes peer changes without a restart, and comes back whole after one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/server/db';
import { auditEntries } from '@/server/db/schema';
import { applyFirewall } from '@/server/managers/firewall';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { settleChanges } from '@/server/runtime/changes';
import { loops } from '@/server/loops';
import { exec } from '@/server/runtime/components';
import { runtimeOf } from '@/server/runtime/runtime';
import { admin, freshCell, setUp } from '../helpers/db';
import { DEBIAN_IMAGE_INSTALL, DEBIAN_IMAGE_TOOLS, debianImages } from '../helpers/debian-images';
import { ENGINE_INSTALL, ENGINE_TOOLS, startEngine, type TestEngine } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { eventually } from '../helpers/wait';

const ready = requireTools(
  'WireGuard image suite',
  [...ENGINE_TOOLS, ...DEBIAN_IMAGE_TOOLS],
  `${ENGINE_INSTALL} ${DEBIAN_IMAGE_INSTALL}`,
);

describe.skipIf(!ready)('cell-wireguard built from Debian packages', () => {
  let engine: TestEngine;
  let db: Db;
  const env: Record<string, string> = {
    PIC_CELL_SUBNET: '172.29.4.0/24',
    PIC_PUBLISH_ADDRESS: '127.0.0.1',
    PIC_WG_USERSPACE: '1',
  };

  const wg = (...argv: string[]) => exec(runtimeOf(db), 'wireguard', argv);
  const peersOnInterface = async () => {
    const r = await wg('wg', 'show', 'wg0', 'peers');
    return r.exitCode === 0 ? r.stdout.trim().split('\n').filter(Boolean).sort() : null;
  };
  beforeAll(async () => {
    engine = await startEngine();
    Object.assign(env, await debianImages(engine, ['wireguard']));
    Object.assign(process.env, env, { PIC_DOCKER_SOCKET: engine.socket });
    db = freshCell().db;
    await setUp(db);
    await admin(db).wireguard.update({ listenPort: 51823 });
    const report = await admin(db).containers.reconcile();
    expect(report.components.find((c) => c.component === 'wireguard')?.action).toMatch(/^(created|unchanged)$/);
  }, 300_000);

  afterAll(async () => {
    for (const k of [...Object.keys(env), 'PIC_DOCKER_SOCKET']) delete process.env[k];
    await engine?.destroy();
  }, 60_000);

  it('brings wg0 up from the rendered config, with the tunnel address, unprivileged', async () => {
    expect(await eventually(peersOnInterface, (p) => p !== null, 20_000)).toEqual([]);
    const info = await engine.docker.getContainer('cell-wireguard').inspect();
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    const addr = await wg('ip', '-4', '-o', 'addr', 'show', 'wg0');
    expect(addr.stdout).toContain('inet 10.0.0.1/24');
    expect((await wg('wg', 'show', 'wg0', 'listen-port')).stdout.trim()).toBe('51823');
    expect(
      (await engine.docker.getContainer('cell-wireguard').logs({ stdout: true, stderr: true })).toString(),
    ).toContain('using wireguard-go');
  });

  it('takes peer changes and the peer rules without a restart, and comes back whole after one', async () => {
    const started = (await engine.docker.getContainer('cell-wireguard').inspect()).State.StartedAt;
    const a = await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' });
    const b = await admin(db).peers.create({ name: 'laptop', routingPolicy: 'full', peerToPeer: true });
    expect([a.apply.state, b.apply.state]).toEqual(['applied', 'applied']);
    expect(await peersOnInterface()).toEqual([a.publicKey, b.publicKey].sort());
    await settleChanges();
    expect((await wg('iptables', '-w', '-S', 'PIC-P2P')).stdout).toContain(`-A PIC-P2P -d ${b.address}/32`);
    expect((await engine.docker.getContainer('cell-wireguard').inspect()).State.StartedAt).toBe(started);

    // The files follow single-peer changes a moment later; a restart reads them, not the cell.
    await flushWireguardFiles(db, { force: true });
    await engine.docker.getContainer('cell-wireguard').restart({ t: 2 });
    expect(await eventually(peersOnInterface, (p) => p?.length === 2, 20_000)).toEqual(
      [a.publicKey, b.publicKey].sort(),
    );
    // Its firewall starts empty: the firewall's pass notices, loads the rules again and says so.
    const hooked = async () => (await wg('iptables', '-w', '-C', 'FORWARD', '-i', 'wg0', '-j', 'PIC-FORWARD')).exitCode;
    expect(await hooked()).not.toBe(0);
    await loops.find((l) => l.name === 'wireguard-reconcile')!.run(db, runtimeOf(db));
    expect(await applyFirewall(db)).toMatchObject({ state: 'applied' });
    const repairs = db.select().from(auditEntries).where(eq(auditEntries.procedure, 'firewall.repair')).all();
    expect(repairs.map((r) => r.outcome)).toEqual(['success']);
    expect(await hooked()).toBe(0);
    expect((await wg('iptables', '-w', '-t', 'nat', '-S', 'PIC-PREROUTING')).stdout).toContain('--dport 443');
  }, 60_000);
});
