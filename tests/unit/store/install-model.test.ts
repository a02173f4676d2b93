import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { storeInstances } from '@/server/db/schema';
import { bundledManifests, operationDone } from '@/server/managers/store';
import {
  answersSchema,
  nextHostIndex,
  nextInstanceId,
  serviceNames,
  serviceRoutes,
  serviceSpec,
  spareHostIndex,
  splitAnswers,
} from '@/server/managers/store/model';
import { claimName, heldNames } from '@/server/managers/names';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow } from '../../helpers/store';

const byId = (id: string) => bundledManifests().find((m) => m.id === id)!;

describe('an instance, as the model builds it', () => {
  it('is named after its manifest, or numbered when instanceable', () => {
    expect(nextInstanceId(byId('calendar'), new Set())).toBe('calendar');
    expect(nextInstanceId(byId('tor'), new Set())).toBe('tor-1');
    expect(nextInstanceId(byId('tor'), new Set(['tor-1', 'tor-3']))).toBe('tor-2');
    // Installs take the lowest free address from 20, an update's new container the highest.
    expect(nextHostIndex(new Set([20, 21, 23]), 255)).toBe(22);
    expect(spareHostIndex(new Set([254, 253]), 255)).toBe(252);
    expect(spareHostIndex(new Set(Array.from({ length: 235 }, (_, i) => 20 + i)), 255)).toBeNull();
  });

  it('runs the pinned image with named volumes, no capabilities, and publishes only what the manifest publishes', () => {
    const mail = byId('mail');
    const spec = serviceSpec({
      instanceId: 'mail',
      manifest: mail,
      image: String(mail.image),
      env: { POSTMASTER_ADDRESS: 'pm@example.org' },
      domain: 'example.org',
      network: 'cell-network',
      address: '172.20.0.20',
    });
    expect(spec.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    // Its fixed settings, filled in for the domain, beside what the install was answered.
    expect(spec.env).toEqual({
      POSTMASTER_ADDRESS: 'pm@example.org',
      OVERRIDE_HOSTNAME: 'mail.example.org',
      SSL_TYPE: 'manual',
      SSL_CERT_PATH: '/tmp/docker-mailserver/ssl/cert.pem',
      SSL_KEY_PATH: '/tmp/docker-mailserver/ssl/key.pem',
    });
    expect(spec.capAdd).toEqual([]);
    expect(spec.mounts.map((m) => [m.type, m.source, m.target])).toEqual([
      ['volume', 'cell-svc-mail-mail', '/var/mail'],
      ['volume', 'cell-svc-mail-state', '/var/mail-state'],
      ['volume', 'cell-svc-mail-config', '/tmp/docker-mailserver'],
    ]);
    expect(spec.ports.map((p) => p.host)).toEqual([25, 587, 993]);
    expect(spec.network).toEqual({ mode: 'cell', name: 'cell-network', ipv4: '172.20.0.20' });
  });

  it('numbers the routes and names of further instances', () => {
    const cal = { ...byId('calendar'), instanceable: true };
    expect(serviceNames(cal, 'calendar')).toEqual(['calendar']);
    expect(serviceNames(cal, 'calendar-2')).toEqual(['calendar-2']);
    expect(
      serviceRoutes(cal, 'calendar-2', '172.20.0.21', 'home.example').map((r) => [r.host, r.path, r.upstream]),
    ).toEqual([
      ['calendar-2.cell', '', '172.20.0.21:5232'],
      ['calendar-2.home.example', '', '172.20.0.21:5232'],
    ]);
  });

  it('checks answers against the questions: defaults filled, a bad one named, a secret never asked', () => {
    const spam = {
      name: 'ENABLE_RSPAMD',
      type: 'choice' as const,
      label: 'Spam filtering',
      required: true,
      choices: [
        { value: '1', label: 'On' },
        { value: '0', label: 'Off' },
      ],
      default: '1',
    };
    const mail = { env: [...byId('mail').env, spam] };
    expect(answersSchema(mail).parse({ POSTMASTER_ADDRESS: 'pm@example.org' })).toEqual({
      POSTMASTER_ADDRESS: 'pm@example.org',
      ENABLE_RSPAMD: '1',
    });
    const bad = answersSchema(mail).safeParse({ POSTMASTER_ADDRESS: 'not mail', ENABLE_RSPAMD: '2', EXTRA: 'x' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.') || i.message).sort()).toEqual(
      expect.arrayContaining(['POSTMASTER_ADDRESS', 'ENABLE_RSPAMD']),
    );
    const withSecret = {
      env: [{ name: 'TOKEN', type: 'secret' as const, label: 'Token', required: true, length: 24 }],
    };
    expect(answersSchema(withSecret).safeParse({ TOKEN: 'mine' }).success).toBe(false);
    const split = splitAnswers(withSecret, {}, (n) => 'x'.repeat(n));
    expect(split).toEqual({ plain: {}, secret: { TOKEN: 'x'.repeat(24) } });
  });
});

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  await setUp(db);
  // Nothing answers at the mirror: verification cannot succeed here.
  bindRuntime(db, createRuntime({ ...process.env, PIC_REGISTRY_MIRROR: 'http://127.0.0.1:9' }));
});

describe('store.install', () => {
  it('refuses bad answers naming each field, and stores nothing', async () => {
    const err = await expectCode(
      admin(db).store.install({ id: 'mail', answers: { POSTMASTER_ADDRESS: 'nope' } }),
      'BAD_REQUEST',
    );
    expect(err.message).toMatch(/answers\.POSTMASTER_ADDRESS: An email address/);
    expect(db.select().from(storeInstances).all()).toEqual([]);
  });

  it('refuses an id the catalogue lacks, and a name someone else holds', async () => {
    await expectCode(admin(db).store.install({ id: 'nextcloud' }), 'NOT_FOUND');
    db.transaction((tx) => claimName(tx, 'calendar', { kind: 'peer', ref: '1', description: 'peer calendar' }, null));
    const err = await expectCode(admin(db).store.install({ id: 'calendar' }), 'CONFLICT');
    expect(err.message).toMatch(/calendar\.cell is already taken by peer calendar/);
  });

  it('takes back the reservation when verification fails, and says which step failed and why', async () => {
    const before = heldNames(db);
    const { operationId, instanceId } = await admin(db).store.install({ id: 'calendar' });
    expect(instanceId).toBe('calendar');
    await operationDone(operationId);
    const op = await admin(db).store.operation({ operationId });
    expect(op.state).toBe('failed');
    expect(op.error).toMatch(/^verify: The registry registry-1\.docker\.io cannot be reached/);
    expect(op.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'validate:undone',
      'verify:failed',
      'pull:skipped',
      'volumes:skipped',
      'secrets:skipped',
      'container:skipped',
      'configure:skipped',
      'names:skipped',
      'routes:skipped',
      'firewall:skipped',
      'accounts:skipped',
      'health:skipped',
    ]);
    expect(db.select().from(storeInstances).all()).toEqual([]);
    expect(heldNames(db)).toEqual(before);
    expect(await admin(db).store.installed()).toEqual([]);
    // The trail has the admin's request and, from the system, how it ended.
    const { auditEntries } = await import('@/server/db/schema');
    const trail = db
      .select()
      .from(auditEntries)
      .all()
      .filter((a) => a.procedure === 'store.install')
      .map((a) => [a.actorRole, a.outcome, a.detail?.slice(0, 28) ?? null]);
    // (The operation may end before the request's own entry is written.)
    expect(trail).toHaveLength(3);
    expect(trail).toEqual(
      expect.arrayContaining([
        ['admin', 'started', null],
        ['admin', 'success', null],
        ['system', 'error', 'verify: The registry registr'],
      ]),
    );
  });

  it('keeps passwords out of the audit trail', async () => {
    await admin(db)
      .store.install({ id: 'mail', answers: { POSTMASTER_ADDRESS: 'pm@example.org' } })
      .catch(() => undefined);
    const { auditEntries } = await import('@/server/db/schema');
    const rows = db
      .select()
      .from(auditEntries)
      .all()
      .filter((a) => a.procedure === 'store.install' && a.actorRole === 'admin');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(JSON.stringify(r.input)).not.toMatch(/pm@example\.org/);
    expect(JSON.stringify(rows.at(-1)!.input)).toMatch(/POSTMASTER_ADDRESS/);
  });
});

describe("a service's routes", () => {
  it('change only with the service: the Routes page may not edit or remove them', async () => {
    const { holdServiceRoutes } = await import('@/server/managers/routes');
    db.transaction((tx) =>
      holdServiceRoutes(
        tx,
        'calendar',
        [{ host: 'calendar.cell', path: '', upstream: '172.20.0.20:5232', access: 'peers' }],
        new Date(),
      ),
    );
    const [route] = (await admin(db).routes.list()).routes;
    expect(route).toMatchObject({ host: 'calendar.cell', service: 'calendar' });
    for (const attempt of [
      admin(db).routes.remove({ id: route!.id }),
      admin(db).routes.update({ id: route!.id, upstream: '10.9.9.9:80' }),
    ]) {
      const err = await expectCode(attempt, 'CONFLICT');
      expect(err.message).toMatch(/belongs to the service calendar: it changes with the service/);
    }
    expect((await admin(db).routes.list()).routes).toEqual([route]);
  });
});

describe('an operation a restart cut short', () => {
  it('is closed at start: a half-made install is taken back, a half-done removal leaves the service installed', async () => {
    const { recoverOperations } = await import('@/server/managers/store');
    const { storeOperations } = await import('@/server/db/schema');
    const now = new Date();
    const row = (id: string, hostIndex: number, state: 'installing' | 'removing') => ({
      id,
      manifestId: id,
      version: '1.0.0',
      image: String(byId('calendar').image),
      manifest: { ...byId('calendar'), id } as unknown as Record<string, unknown>,
      answers: {},
      sealed: {},
      hostIndex,
      state,
      createdAt: now,
      updatedAt: now,
    });
    db.insert(storeInstances)
      .values([row('calendar', 20, 'installing'), row('files', 21, 'removing')])
      .run();
    db.transaction((tx) =>
      claimName(tx, 'calendar', { kind: 'service', ref: 'calendar', description: 'service calendar' }, { to: 'cell' }),
    );
    db.insert(storeOperations)
      .values({
        id: '00000000-0000-4000-8000-000000000001',
        kind: 'install',
        instanceId: 'calendar',
        state: 'running',
        steps: [],
        startedAt: now,
      })
      .run();

    expect(recoverOperations(db)).toBe(true);
    expect(db.select({ id: storeInstances.id, state: storeInstances.state }).from(storeInstances).all()).toEqual([
      { id: 'files', state: 'installed' },
    ]);
    expect(heldNames(db).some((n) => n.label === 'calendar')).toBe(false);
    expect(await admin(db).store.operation({ operationId: '00000000-0000-4000-8000-000000000001' })).toMatchObject({
      state: 'failed',
      error: 'interrupted: the cell restarted during it',
    });
    expect(recoverOperations(db)).toBe(false);
  });
});

describe('store.remove', () => {
  it('refuses while another installed service needs it, and says which', async () => {
    const now = new Date();
    const calendar = byId('calendar');
    const base = {
      version: '1.0.0',
      image: String(calendar.image),
      answers: {},
      sealed: {},
      state: 'installed' as const,
      createdAt: now,
      updatedAt: now,
    };
    db.insert(storeInstances)
      .values([
        {
          ...base,
          id: 'calendar',
          manifestId: 'calendar',
          hostIndex: 20,
          manifest: calendar as unknown as Record<string, unknown>,
        },
        {
          ...base,
          id: 'planner',
          manifestId: 'planner',
          hostIndex: 21,
          manifest: { ...calendar, id: 'planner', routes: [], requires: ['calendar'] } as unknown as Record<
            string,
            unknown
          >,
        },
      ])
      .run();
    const err = await expectCode(admin(db).store.remove({ instanceId: 'calendar', keepData: true }), 'CONFLICT');
    expect(err.message).toBe('planner needs calendar: remove it first');
    expect(db.select({ state: storeInstances.state }).from(storeInstances).all()).toEqual([
      { state: 'installed' },
      { state: 'installed' },
    ]);
    await expectCode(admin(db).store.remove({ instanceId: 'nothing', keepData: true }), 'NOT_FOUND');
  });
});

describe("a service's routes after the cell network moved", () => {
  it('follow its address: written again with the new one, and left alone when nothing changed', async () => {
    const { syncServiceRoutes } = await import('@/server/managers/store/reconcile');
    const { holdServiceRoutes } = await import('@/server/managers/routes');
    installedRow(db, 'calendar');
    const now = new Date();
    db.transaction((tx) => {
      claimName(tx, 'calendar', { kind: 'service', ref: 'calendar', description: 'service calendar' }, { to: 'cell' });
      holdServiceRoutes(
        tx,
        'calendar',
        [{ host: 'calendar.cell', path: '', upstream: '172.20.0.20:5232', access: 'peers' }],
        now,
      );
    });
    bindRuntime(db, createRuntime({ ...process.env, PIC_CELL_SUBNET: '10.77.0.0/24' }));
    expect(syncServiceRoutes(db)).toBe(true);
    const upstreams = (await admin(db).routes.list()).routes.map((r) => `${r.host} → ${r.upstream}`);
    expect(upstreams).toEqual(['calendar.cell → 10.77.0.20:5232', 'calendar.home.home.arpa → 10.77.0.20:5232']);
    expect(syncServiceRoutes(db)).toBe(false);
  });
});
