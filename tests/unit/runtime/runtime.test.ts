import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellFacts } from '@/server/managers/cell';
import { applyDns } from '@/server/managers/dns';
import { flushWireguardFiles } from '@/server/managers/wireguard';
import { bindRuntime, createRuntime, runtimeOf } from '@/server/runtime/runtime';
import { admin, freshCell, setUp, useBackend } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

describe('the runtime a cell is handed', () => {
  it('is what its transactions see too', () => {
    const { db } = freshCell();
    const runtime = bindRuntime(db, createRuntime({ PIC_CELL_SUBNET: '172.31.0.0/24' }));
    db.transaction((tx) => expect(runtimeOf(tx)).toBe(runtime));
  });

  it('keeps two cells in one process apart: each its environment and its own tunnel', async () => {
    const a = freshCell().db;
    const b = freshCell().db;
    const wgA = recordingBackend();
    const wgB = recordingBackend();
    bindRuntime(a, createRuntime({ ...process.env, PIC_CELL_SUBNET: '172.30.0.0/24' }, { wireguard: wgA.backend }));
    bindRuntime(b, createRuntime({ ...process.env, PIC_CELL_SUBNET: '172.31.0.0/24' }, { wireguard: wgB.backend }));
    await setUp(a);
    await setUp(b);
    expect(cellFacts(a).cellNetwork).toEqual({ subnet: '172.30.0.0/24', fromEnv: true });
    expect(cellFacts(b).cellNetwork).toEqual({ subnet: '172.31.0.0/24', fromEnv: true });

    wgA.calls.length = 0;
    wgB.calls.length = 0;
    const peer = await admin(a).peers.create({ name: 'only-on-a', routingPolicy: 'cell' });
    expect(peer.apply.state).toBe('applied');
    expect(wgA.calls.length).toBeGreaterThan(0);
    expect(wgB.calls).toEqual([]);
  });

  it('puts the files of each cell in its own data folder and asks its own engine', async () => {
    const cells = [freshCell(), freshCell()].map(({ db, dir }, i) => {
      useBackend(db, recordingBackend().backend, {
        ...process.env,
        PIC_DATA_DIR: dir,
        PIC_DOCKER_SOCKET: `/nonexistent/cell-${i}/docker.sock`,
        PIC_CELL_SUBNET: `172.3${i}.0.0/24`,
      });
      return { db, dir };
    });
    for (const { db } of cells) {
      await setUp(db);
      await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' });
      await flushWireguardFiles(db, { force: true });
      await applyDns(db);
    }
    cells.forEach(({ db, dir }, i) => {
      expect(fs.readFileSync(path.join(dir, 'config', 'wireguard', 'wg0.conf'), 'utf8')).toContain('# Peer: phone');
      expect(fs.readdirSync(path.join(dir, 'config', 'dns'))).toContain('Corefile');
      expect(runtimeOf(db).caddy.adminSocket()).toBe(path.join(dir, 'state', 'caddy', 'admin.sock'));
      expect(runtimeOf(db).engine.socket()).toBe(`/nonexistent/cell-${i}/docker.sock`);
    });
    const engine = await admin(cells[1].db).containers.engine();
    expect(engine.engine).toMatchObject({ reachable: false, socket: '/nonexistent/cell-1/docker.sock' });
  });

  it('tells its managers the time: what they store is stamped by its clock', async () => {
    const { db } = freshCell();
    const at = new Date('2031-05-06T07:08:09Z');
    bindRuntime(db, createRuntime(process.env, { wireguard: recordingBackend().backend, clock: () => at }));
    await setUp(db);
    const peer = await admin(db).peers.create({ name: 'stamped', routingPolicy: 'cell' });
    expect(peer.createdAt).toEqual(at);
    expect(peer.keysRotatedAt).toEqual(at);
    // An expiry is in the future of the cell's clock, not of the machine's.
    await expect(
      admin(db).peers.create({ name: 'late', routingPolicy: 'cell', expiresAt: new Date('2030-01-01T00:00:00Z') }),
    ).rejects.toThrow(/future/);
  });
});
