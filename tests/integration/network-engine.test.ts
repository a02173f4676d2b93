/**
 * Network services applied to their containers on a real engine, with stand-in images
 * that log each SIGUSR1: DNS reloads by signal (exactly once per change, never a restart),
 * NTP and DHCP by restart.
 */
import { runtimeOf } from '@/server/runtime/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { exec } from '@/server/runtime/components';
import { admin, freshCell, setUp, useBackend } from '../helpers/db';
import {
  ENGINE_INSTALL,
  ENGINE_TOOLS,
  importStandin,
  STANDIN_IMAGES,
  standinEnv,
  startEngine,
  type TestEngine,
} from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { recordingBackend } from '../helpers/wireguard';

const ready = requireTools('network services engine suite', ENGINE_TOOLS, ENGINE_INSTALL);
const SUBNET = '172.29.1.0/24';

describe.skipIf(!ready)('network services on a real engine', () => {
  let engine: TestEngine;
  let db: Db;
  const env = { ...standinEnv(), PIC_CELL_SUBNET: SUBNET, PIC_PUBLISH_ADDRESS: '127.0.0.1' };

  beforeAll(async () => {
    engine = await startEngine();
    await importStandin(engine.docker, Object.values(STANDIN_IMAGES));
    db = freshCell().db;
    Object.assign(process.env, env, { PIC_DOCKER_SOCKET: engine.socket });
    useBackend(db, recordingBackend().backend);
    await setUp(db);
    // Engine suites run side by side: each publishes the tunnel on a port of its own.
    await admin(db).wireguard.update({ listenPort: 51821 });
    await admin(db).containers.reconcile();
  }, 120_000);

  afterAll(async () => {
    for (const k of [...Object.keys(env), 'PIC_DOCKER_SOCKET']) delete process.env[k];
    await engine?.destroy();
  }, 60_000);

  const state = async (name: string) => (await engine.docker.getContainer(name).inspect()).State;
  const signals = async () =>
    (await admin(db).containers.logs({ id: 'cell-dns', tail: 1000 })).filter((l) => l.text === 'got SIGUSR1').length;

  it('a record change reaches cell-dns with exactly one SIGUSR1 and no restart', async () => {
    const startedAt = (await state('cell-dns')).StartedAt;
    expect(await signals()).toBe(0);
    const created = await admin(db).dns.createRecord({
      zone: 'cell',
      name: 'nas',
      type: 'A',
      value: '10.0.0.40',
      ttl: 300,
    });
    expect(created.apply).toEqual({ state: 'applied', via: 'SIGUSR1 to cell-dns' });
    await expect.poll(signals, { timeout: 5000 }).toBe(1);
    const zone = await exec(runtimeOf(db), 'dns', ['cat', '/etc/coredns/cell.zone']);
    expect(zone.stdout).toMatch(/^nas\t300\tIN\tA\t10\.0\.0\.40/m);
    // Nothing changed: no signal. The next change: one more.
    expect((await admin(db).dns.updateSettings({})).apply).toEqual({ state: 'applied', via: 'already in place' });
    await admin(db).dns.removeRecord({ id: created.id });
    await expect.poll(signals, { timeout: 5000 }).toBe(2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await signals()).toBe(2);
    const after = await state('cell-dns');
    expect(after.StartedAt).toBe(startedAt);
    expect(after.Running).toBe(true);
  }, 30_000);

  it('an NTP change restarts cell-ntp with the new chrony.conf; its status says why it has none', async () => {
    const before = (await state('cell-ntp')).StartedAt;
    const updated = await admin(db).ntp.update({
      sources: [{ kind: 'pool', host: 'pool.ntp.org', iburst: true }],
      localStratum: 9,
    });
    expect(updated.apply).toEqual({ state: 'applied', via: 'restarted cell-ntp' });
    expect((await state('cell-ntp')).StartedAt).not.toBe(before);
    expect((await exec(runtimeOf(db), 'ntp', ['cat', '/etc/chrony/chrony.conf'])).stdout).toContain(
      'local stratum 9 orphan',
    );
    // The stand-in has no chronyc.
    expect(await admin(db).ntp.status()).toMatchObject({
      available: false,
      reason: expect.stringMatching(/chronyc|exec/),
    });
  }, 30_000);

  it('the name test falls back to the rendered zones when cell-dns does not answer, and says so', async () => {
    const answer = await admin(db).dns.lookup({ name: 'home.cell', type: 'A' });
    expect(answer).toMatchObject({
      status: 'NOERROR',
      answers: ['10.0.0.1'],
      source: 'the rendered zones',
      error: expect.stringContaining('172.29.1.3:53 did not answer'),
    });
  }, 10_000);
});
