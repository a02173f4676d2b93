import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { createCaller } from '@/server/routers/_app';
import { flushLogs, logger, setLogLevels } from '@/server/runtime/logger';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow, withoutEngine } from '../../helpers/store';
import { createOptions } from '@/server/managers/containers/options';
import { specHash, waitsForNextStart } from '@/server/managers/containers/spec';
import { instanceSpec } from '@/server/managers/store/engine-steps';

const fieldOf = (err: { cause?: unknown }) => (err.cause as { field?: string }).field;

let db: Db;
let dir: string;
beforeEach(async () => {
  ({ db, dir } = freshCell());
  withoutEngine(db);
  await setUp(db);
});
afterEach(() => setLogLevels({}));

describe('logs', () => {
  it('are searched across services by text, level, service and time, newest first', async () => {
    const since = new Date();
    // A few milliseconds apart: lines of one millisecond have no order between them.
    logger.child('store').child('accounts').info('account made', { peer: 'alice' });
    await sleep(5);
    logger.child('backup').error('backup failed', { reason: 'disk full' });
    await sleep(5);
    logger.child('store').warn('image pulled slowly', { peer: 'bob' });
    await flushLogs();
    const api = admin(db);
    const all = await api.logs.search({ since });
    expect(all.lines.map((l) => l.msg)).toEqual(['image pulled slowly', 'backup failed', 'account made']);
    expect((await api.logs.search({ text: 'ALICE', since })).lines.map((l) => l.service)).toEqual([
      'cell.store.accounts',
    ]);
    expect((await api.logs.search({ level: 'warn', since })).lines.map((l) => l.msg)).toEqual([
      'image pulled slowly',
      'backup failed',
    ]);
    expect((await api.logs.search({ service: 'cell.store', since })).lines.map((l) => l.msg)).toEqual([
      'image pulled slowly',
      'account made',
    ]);
    expect(
      (await api.logs.search({ until: new Date(since.getTime() - 1) })).lines.filter((l) => l.msg === 'backup failed'),
    ).toEqual([]);
    expect((await api.logs.search({ since, limit: 1 })).more).toBe(true);
    const bad = await expectCode(api.logs.search({ since, until: new Date(since.getTime() - 1000) }), 'BAD_REQUEST');
    expect(bad.message).toMatch(/Until comes after since/);
  });

  it('a level set over the API shows in the next line of a module logger, is kept, and can be cleared', async () => {
    const api = admin(db);
    const since = new Date();
    const module = logger.child('peers').child('expiry');
    module.debug('before');
    expect(await api.logs.setLevel({ target: 'cell.peers', level: 'debug' })).toMatchObject({ applies: 'now' });
    module.debug('after');
    await flushLogs();
    expect((await api.logs.search({ service: 'cell.peers', since })).lines.map((l) => l.msg)).toEqual(['after']);
    expect((await api.logs.levels()).cell).toEqual([{ target: 'cell.peers', level: 'debug' }]);
    await api.logs.clearLevel({ target: 'cell.peers' });
    module.debug('cleared');
    await flushLogs();
    expect((await api.logs.search({ service: 'cell.peers', since })).lines.map((l) => l.msg)).toEqual(['after']);
  });

  it("sets Caddy's and CoreDNS's levels through their configs, and refuses what they cannot do", async () => {
    const api = admin(db);
    await api.logs.setLevel({ target: 'caddy', level: 'debug' });
    await api.logs.setLevel({ target: 'dns', level: 'debug' });
    expect(await api.logs.levels()).toMatchObject({ caddy: 'debug', dns: 'debug' });
    // The rendered configs say so: Caddy's default log at DEBUG, CoreDNS's log plugin on.
    const caddy = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'caddy', 'caddy.json'), 'utf8'));
    expect(caddy.logging.logs.default.level).toBe('DEBUG');
    expect(fs.readFileSync(path.join(dir, 'config', 'dns', 'Corefile'), 'utf8')).toMatch(/^\s+log$/m);
    const warn = await expectCode(api.logs.setLevel({ target: 'dns', level: 'warn' }), 'BAD_REQUEST');
    expect(warn.message).toMatch(/CoreDNS logs every query/);
    const target = await expectCode(api.logs.setLevel({ target: 'cell.{store}', level: 'debug' }), 'BAD_REQUEST');
    expect(target.message).toMatch(/cell, cell.<service>/);
    await expectCode(api.logs.setLevel({ target: 'ntp', level: 'debug' }), 'BAD_REQUEST');
  });

  it("sets chrony's and dnsmasq's levels where they read them at start, and restarts their containers to take them", async () => {
    const api = admin(db);
    expect(await api.logs.levels()).toMatchObject({ ntp: 'info', dhcp: 'info' });
    const ntpSpec = async () => (await api.containers.stack()).components.find((c) => c.component === 'ntp')!.spec!;
    expect((await ntpSpec()).cmd).toBeNull();

    // chronyd: the image's own arguments and -L (1: warnings and worse), in a container made again.
    const ntp = await api.logs.setLevel({ target: 'ntp', level: 'warn' });
    expect(ntp).toMatchObject({ applies: 'restart', container: 'cell-ntp', apply: { state: 'pending' } });
    expect((await ntpSpec()).cmd).toEqual(['-d', '-x', '-L', '1']);
    await api.logs.setLevel({ target: 'ntp', level: 'error' });
    expect((await ntpSpec()).cmd).toEqual(['-d', '-x', '-L', '2']);
    // Back at info, the container is exactly the default one again.
    await api.logs.setLevel({ target: 'ntp', level: 'info' });
    expect((await ntpSpec()).cmd).toBeNull();
    const debug = await expectCode(api.logs.setLevel({ target: 'ntp', level: 'debug' }), 'BAD_REQUEST');
    expect(debug.message).toMatch(/chronyd logs info, warn or error/);
    expect((await ntpSpec()).cmd).toBeNull();

    // dnsmasq: its switches in dnsmasq.conf, which it reads when cell-dhcp restarts.
    const conf = () => fs.readFileSync(path.join(dir, 'config', 'dhcp', 'dnsmasq.conf'), 'utf8');
    expect(await api.logs.setLevel({ target: 'dhcp', level: 'debug' })).toMatchObject({
      applies: 'restart',
      container: 'cell-dhcp',
    });
    expect(conf()).toMatch(/^log-dhcp$/m);
    expect(conf()).not.toMatch(/^quiet-dhcp$/m);
    await api.logs.setLevel({ target: 'dhcp', level: 'error' });
    expect(
      conf()
        .split('\n')
        .filter((l) => /^(log|quiet)-/.test(l)),
    ).toEqual(['quiet-dhcp', 'quiet-dhcp6', 'quiet-ra']);
    await api.logs.setLevel({ target: 'dhcp', level: 'info' });
    expect(conf()).not.toMatch(/^(log|quiet)-/m);
    expect(await api.logs.levels()).toMatchObject({ ntp: 'info', dhcp: 'info' });
    // They are the daemons' levels, not the cell's loggers'.
    expect((await api.logs.levels()).cell).toEqual([]);
  });

  it("keeps wireguard-go's level for cell-wireguard's next start, and is no reason to make it again", async () => {
    const api = admin(db);
    const wireguard = async () =>
      (await api.containers.stack()).components.find((c) => c.component === 'wireguard')!.spec!;
    expect((await api.logs.levels()).wireguard).toBeNull();
    const made = await wireguard();
    expect(made.atNextStart).toBeUndefined();

    expect(await api.logs.setLevel({ target: 'wireguard', level: 'debug' })).toEqual({
      target: 'wireguard',
      level: 'debug',
      applies: 'next-start',
      container: 'cell-wireguard',
    });
    expect((await api.logs.levels()).wireguard).toBe('debug');
    const waiting = await wireguard();
    expect(waiting.atNextStart).toEqual({ env: { LOG_LEVEL: 'verbose' } });
    // The reconcile sees the same container: only a start (or a remake for another reason) takes it.
    expect(specHash(waiting)).toBe(specHash(made));
    expect(waitsForNextStart(made, waiting)).toBe(true);
    expect(createOptions(waiting).Env).toEqual(['LOG_LEVEL=verbose']);
    await api.logs.setLevel({ target: 'wireguard', level: 'error' });
    expect((await wireguard()).atNextStart).toEqual({ env: { LOG_LEVEL: 'error' } });

    const info = await expectCode(api.logs.setLevel({ target: 'wireguard', level: 'info' }), 'BAD_REQUEST');
    expect([info.message, fieldOf(info)]).toEqual([
      'wireguard-go logs everything (debug) or only errors (error)',
      'level',
    ]);
    expect((await api.logs.levels()).wireguard).toBe('error');

    await api.logs.clearLevel({ target: 'wireguard' });
    expect((await api.logs.levels()).wireguard).toBeNull();
    expect(await wireguard()).toEqual(made);
    expect(createOptions(made).Env).toBeUndefined();
  });

  it("sets an installed service's level in its own words, in a container made again, and back to its default", async () => {
    const api = admin(db);
    for (const id of ['calendar', 'mail', 'files']) installedRow(db, id, { hostIndex: id.length + 20 });
    expect((await api.logs.levels()).services).toEqual([
      {
        target: 'cell-svc-calendar',
        instanceId: 'calendar',
        name: 'Calendar and contacts',
        level: null,
        levels: ['debug', 'info', 'warn', 'error'],
      },
      {
        target: 'cell-svc-mail',
        instanceId: 'mail',
        name: 'Mail',
        level: null,
        levels: ['debug', 'info', 'warn', 'error'],
      },
    ]);
    const command = instanceSpec(db, 'calendar').cmd!;
    // Radicale takes its level as an argument after the manifest's command; no engine here: it waits.
    expect(await api.logs.setLevel({ target: 'cell-svc-calendar', level: 'warn' })).toMatchObject({
      applies: 'restart',
      container: 'cell-svc-calendar',
      apply: { state: 'pending' },
    });
    expect(instanceSpec(db, 'calendar').cmd).toEqual([...command, '--logging-level=warning']);
    // docker-mailserver reads LOG_LEVEL.
    await api.logs.setLevel({ target: 'cell-svc-mail', level: 'debug' });
    expect(instanceSpec(db, 'mail').env).toMatchObject({ LOG_LEVEL: 'debug' });
    expect((await api.logs.levels()).services.map((s) => s.level)).toEqual(['warn', 'debug']);

    const none = await expectCode(api.logs.setLevel({ target: 'cell-svc-files', level: 'debug' }), 'BAD_REQUEST');
    expect([none.message, fieldOf(none)]).toEqual(['Files (WebDAV) has no verbosity setting', 'target']);
    await expectCode(api.logs.setLevel({ target: 'cell-svc-nothing', level: 'debug' }), 'NOT_FOUND');
    await expectCode(api.logs.setLevel({ target: 'cell-svc-Calendar', level: 'debug' }), 'BAD_REQUEST');

    // Back to its default: the container is exactly the one the install made.
    await api.logs.clearLevel({ target: 'cell-svc-calendar' });
    expect(instanceSpec(db, 'calendar').cmd).toEqual(command);
    expect((await api.logs.levels()).services[0]!.level).toBeNull();
  });

  it('the live tail yields each new line that passes its filters', async () => {
    const tail = await admin(db).logs.tail({ service: 'cell.backup' });
    const iterator = (tail as AsyncIterable<{ msg: string }>)[Symbol.asyncIterator]();
    const next = iterator.next();
    logger.child('store').info('not this one');
    logger.child('backup').info('this one');
    expect((await next).value).toMatchObject({ msg: 'this one', service: 'cell.backup' });
    await iterator.return?.();
  });

  it('a tail that waits many times holds one listener on its request at a time, and ends with it', async () => {
    const controller = new AbortController();
    const listening = { now: 0, most: 0 };
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = (...args: Parameters<typeof add>) => {
      listening.most = Math.max(listening.most, ++listening.now);
      add(...args);
    };
    controller.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listening.now--;
      remove(...args);
    };
    const caller = createCaller(
      { db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' },
      { signal: controller.signal },
    );
    const tail = await caller.logs.tail({ service: 'cell.backup' });
    const iterator = (tail as AsyncIterable<{ msg: string }>)[Symbol.asyncIterator]();
    for (let i = 0; i < 25; i++) {
      const next = iterator.next();
      logger.child('backup').info(`line ${i}`);
      expect((await next).value).toMatchObject({ msg: `line ${i}` });
    }
    const last = iterator.next();
    controller.abort();
    expect((await last).done).toBe(true);
    // tRPC's own listener and the tail's one while it waits, never one per wait.
    expect(listening.most).toBeLessThanOrEqual(2);
  });
});
