import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { backupOperationDone, createBackup } from '@/server/managers/backup';
import { monitorTick } from '@/server/managers/health';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
let now = new Date('2026-12-02T10:00:00Z');
let server: http.Server;
let url: string;
let status = 200;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeEach(async () => {
  ({ db } = freshCell());
  bindRuntime(
    db,
    createRuntime(
      { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock', PIC_OUTBOUND_ALLOW_LOOPBACK: '1' },
      { wireguard: recordingBackend({ rules: true }).backend, clock: () => now },
    ),
  );
  await setUp(db);
  received.length = 0;
  status = 200;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

const later = (minutes: number) => (now = new Date(now.getTime() + minutes * 60_000));
const backUp = async (failAt?: string) => {
  const { operationId } = await createBackup(db, {
    passphrase: 'a long passphrase',
    trigger: 'manual',
    scryptWorkFactor: 10,
    failAt,
  });
  await backupOperationDone(operationId);
};

describe('the monitor', () => {
  it('records each change once, sends one notice per change, and draws the timeline from them', async () => {
    await admin(db).notifications.update({ url, format: 'json' });
    // First sight: what is not up is news (no backup yet, the engine away); what is up is not.
    const first = await monitorTick(db);
    expect(first.map((c) => `${c.component}:${c.state}`).sort()).toEqual(['backup:warn', 'engine:down']);
    expect(received).toHaveLength(2);
    later(1);
    expect(await monitorTick(db)).toEqual([]);
    expect(received).toHaveLength(2);

    later(1);
    await backUp('seal');
    const failed = await monitorTick(db);
    expect(failed).toEqual([expect.objectContaining({ component: 'backup', state: 'down', previous: 'warn' })]);
    expect(failed[0]!.detail).toMatch(/^the backup of .* failed$/);
    expect(JSON.parse(received.at(-1)!.body)).toEqual({
      cell: 'home',
      component: 'backup',
      state: 'down',
      previous: 'warn',
      detail: failed[0]!.detail,
      at: now.toISOString(),
    });

    later(10);
    await backUp();
    const back = await monitorTick(db);
    expect(back.map((c) => `${c.component}:${c.state}:${c.previous}`)).toEqual(['backup:up:down']);
    expect(received).toHaveLength(4);

    later(5);
    const history = await admin(db).health.history({ hours: 24 });
    const timeline = history.find((h) => h.component === 'backup')!;
    expect(timeline.state).toBe('up');
    expect(timeline.segments.map((s) => [s.state, (s.to.getTime() - s.from.getTime()) / 60_000])).toEqual([
      ['warn', 2],
      ['down', 10],
      ['up', 5],
    ]);
    const components = history.map((h) => h.component);
    expect(components).toEqual([...components].sort());
    expect(components).toEqual(expect.arrayContaining(['backup', 'certificates', 'disk', 'engine']));
    expect(history.find((h) => h.component === 'disk')!.detail).toMatch(/^\d+% free \(\d+\.\d GB\)$/);
  });

  it('sends in the ntfy form, tests the webhook on demand, and says why a webhook failed', async () => {
    const none = await expectCode(admin(db).notifications.test(), 'BAD_REQUEST');
    expect(none.message).toBe('Set a webhook URL first');
    await admin(db).notifications.update({ url, format: 'ntfy' });
    expect(await admin(db).notifications.test()).toEqual({ sent: true });
    expect(received[0]!.headers).toMatchObject({
      title: 'home: test is back',
      priority: 'default',
      tags: 'white_check_mark',
    });
    expect(received[0]!.body).toBe('A test from the cell’s Settings.');

    await monitorTick(db);
    const engine = received.find((r) => r.headers.title === 'home: engine is down')!;
    expect(engine.headers).toMatchObject({ priority: 'high', tags: 'rotating_light' });

    status = 500;
    const refused = await expectCode(admin(db).notifications.test(), 'PRECONDITION_FAILED');
    expect(refused.message).toBe('The test did not go through: the webhook answered 500');
    await admin(db).notifications.update({ url: 'http://127.0.0.1:9/nothing', format: 'json' });
    const away = await expectCode(admin(db).notifications.test(), 'PRECONDITION_FAILED');
    expect(away.message).toMatch(/^The test did not go through: /);
    const bad = await expectCode(
      admin(db).notifications.update({ url: 'ftp://example.org/x', format: 'json' }),
      'BAD_REQUEST',
    );
    expect(bad.message).toMatch(/An http:\/\/ or https:\/\/ URL/);
  });

  it('never calls loopback unless the tests allow it', async () => {
    bindRuntime(
      db,
      createRuntime(
        { ...process.env, PIC_DOCKER_SOCKET: '/nonexistent/docker.sock' },
        { wireguard: recordingBackend().backend },
      ),
    );
    await admin(db).notifications.update({ url, format: 'json' });
    const err = await expectCode(admin(db).notifications.test(), 'PRECONDITION_FAILED');
    expect(err.message).toMatch(/127\.0\.0\.1 is a loopback, link-local or special address/);
    expect(received).toEqual([]);
  });
});
