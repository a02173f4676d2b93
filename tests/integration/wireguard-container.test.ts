/**
 * The production path of the tunnel: changes applied inside `cell-wireguard` on a real
 * engine, through one long-lived shell, against a stand-in running wireguard-go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { loops } from '@/server/loops';
import { exec } from '@/server/runtime/components';
import { runtimeOf } from '@/server/runtime/runtime';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp } from '../helpers/db';
import { ENGINE_INSTALL, ENGINE_TOOLS, startEngine, type TestEngine } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { importWireguardStandin } from '../helpers/wireguard-image';

const ready = requireTools(
  'WireGuard container suite',
  [...ENGINE_TOOLS, 'wg', 'wireguard-go', 'iptables-restore'],
  `${ENGINE_INSTALL} wireguard-tools wireguard-go iptables`,
);

describe.skipIf(!ready)('the tunnel inside cell-wireguard', () => {
  let engine: TestEngine;
  let db: Db;
  const env = { PIC_CELL_SUBNET: '172.29.3.0/24', PIC_PUBLISH_ADDRESS: '127.0.0.1', PIC_WG_USERSPACE: '1' };

  beforeAll(async () => {
    engine = await startEngine();
    const image = await importWireguardStandin(engine.docker);
    Object.assign(process.env, env, { PIC_IMAGE_WIREGUARD: image, PIC_DOCKER_SOCKET: engine.socket });
    db = freshCell().db;
    await setUp(db);
    // Engine suites run side by side: each publishes the tunnel on a port of its own.
    await admin(db).wireguard.update({ listenPort: 51822 });
    // The port change already reconciled the stack (the tunnel's kinds reach it); this one finds it in place.
    const report = await admin(db).containers.reconcile();
    expect(report.components.find((c) => c.component === 'wireguard')?.action).toMatch(/^(created|unchanged)$/);
    expect((await engine.docker.getContainer('cell-wireguard').inspect()).State.Running).toBe(true);
  }, 120_000);

  afterAll(async () => {
    for (const k of [...Object.keys(env), 'PIC_IMAGE_WIREGUARD', 'PIC_DOCKER_SOCKET']) delete process.env[k];
    await engine?.destroy();
  }, 60_000);

  /** The interface as `wg show wg0 dump` lists its peers: public key → [preshared key, allowed IPs]. */
  const peersOnInterface = async () => {
    const r = await exec(runtimeOf(db), 'wireguard', ['wg', 'show', 'wg0', 'dump']);
    expect(r.exitCode).toBe(0);
    return new Map(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t'))
        .map(([key, psk, , allowed]) => [key!, [psk!, allowed!]]),
    );
  };

  it('single-peer changes reach the interface, keys and all, and the peer rules load inside the container', async () => {
    const a = await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell', presharedKey: true });
    const b = await admin(db).peers.create({
      name: 'laptop',
      routingPolicy: 'full',
      peerToPeer: true,
      presharedKey: false,
    });
    expect([a.apply.state, b.apply.state]).toEqual(['applied', 'applied']);
    let live = await peersOnInterface();
    expect(live.get(a.publicKey)?.[0]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(live.get(a.publicKey)?.[1]).toBe(`${a.address}/32`);
    expect(live.get(b.publicKey)?.[0]).toBe('(none)');

    await admin(db).peers.setEnabled({ id: a.id, enabled: false });
    live = await peersOnInterface();
    expect(live.has(a.publicKey)).toBe(false);
    expect(live.has(b.publicKey)).toBe(true);

    // The firewall loads its chains where the tunnel lives, after the change.
    await settleChanges();
    const rules = await exec(runtimeOf(db), 'wireguard', ['iptables', '-w', '-S', 'PIC-P2P']);
    expect(rules.stdout).toContain(`-A PIC-P2P -d ${b.address}/32`);
  }, 60_000);

  it('after a restart behind its back the next change opens a new shell, and the loop loads the rest again', async () => {
    await engine.docker.getContainer('cell-wireguard').restart({ t: 1 });
    expect((await peersOnInterface()).size).toBe(0);
    // The channel's shell went with the old process: the next change opens another.
    const c = await admin(db).peers.create({ name: 'tablet', routingPolicy: 'cell' });
    expect(c.apply.state).toBe('applied');
    expect([...(await peersOnInterface()).keys()]).toEqual([c.publicKey]);
    // The tunnel's loop compares the interface with the cell and loads what it lost.
    await loops.find((l) => l.name === 'wireguard-reconcile')!.run(db, runtimeOf(db));
    expect((await peersOnInterface()).size).toBe(2);
  }, 60_000);

  it("wireguard-go's verbosity waits for its next start: a reconcile keeps the container, a restart takes it", async () => {
    const container = () => engine.docker.getContainer('cell-wireguard').inspect();
    const before = await container();
    const logs = async (id: string) =>
      (await engine.docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(await logs(before.Id)).not.toMatch(/DEBUG: \(wg0\)/);

    expect(await admin(db).logs.setLevel({ target: 'wireguard', level: 'debug' })).toMatchObject({
      applies: 'next-start',
    });
    const kept = await admin(db).containers.reconcile();
    expect(kept.components.find((c) => c.component === 'wireguard')).toMatchObject({ action: 'unchanged' });
    expect((await container()).Id).toBe(before.Id);
    expect((await container()).Config.Env).not.toContain('LOG_LEVEL=verbose');

    // The Containers page's restart makes it again with the level; the peers are loaded again.
    const restarted = await admin(db).containers.restart({ id: 'cell-wireguard' });
    expect(restarted).toMatchObject({ name: 'cell-wireguard', state: 'running' });
    const after = await container();
    expect(after.Id).not.toBe(before.Id);
    expect(after.Config.Env).toContain('LOG_LEVEL=verbose');
    // As after any new cell-wireguard, the tunnel's loop loads every peer again.
    await loops.find((l) => l.name === 'wireguard-reconcile')!.run(db, runtimeOf(db));
    expect((await peersOnInterface()).size).toBe(2);
    // wireguard-go now says what it does, in the container's log the Logs page shows.
    const peer = await admin(db).peers.create({ name: 'watch', routingPolicy: 'cell' });
    expect(peer.apply.state).toBe('applied');
    expect(await logs(after.Id)).toMatch(/DEBUG: \(wg0\) .*(Interface|peer)/i);

    // A restart with nothing waiting is the engine's own: the same container.
    expect((await admin(db).containers.restart({ id: 'cell-wireguard' })).id).toBe(after.Id);
    await admin(db).logs.clearLevel({ target: 'wireguard' });
    expect((await admin(db).containers.reconcile()).components.find((c) => c.component === 'wireguard')).toMatchObject({
      action: 'unchanged',
    });
  }, 90_000);
});
