import { describe, expect, it } from 'vitest';
import { cellFacts } from '@/server/managers/cell';
import { bindRuntime, createRuntime, runtimeOf } from '@/server/runtime/runtime';
import { admin, freshCell, setUp } from '../../helpers/db';
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
});
