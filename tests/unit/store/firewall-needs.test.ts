import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { loadInputs } from '@/server/managers/firewall/state';
import { settleChanges } from '@/server/runtime/changes';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';
import { installedRow } from '../../helpers/store';
import { recordingBackend } from '../../helpers/wireguard';

const installMail = (db: Db, state: 'installed' | 'removing' = 'installed') => installedRow(db, 'mail', { state });

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  bindRuntime(db, createRuntime(process.env, { wireguard: recordingBackend({ rules: true }).backend }));
  await setUp(db);
  await settleChanges();
});

describe("an installed service's firewall needs", () => {
  it('are what peers may reach of it: its own ports at its address, as a service groups can name', async () => {
    installMail(db);
    expect(loadInputs(db)!.services.find((s) => s.name === 'mail')).toEqual({
      name: 'mail',
      address: '172.20.0.20',
      ports: [
        { proto: 'tcp', port: 587 },
        { proto: 'tcp', port: 993 },
      ],
    });
    const api = admin(db);
    const readers = await api.groups.create({ name: 'readers', services: ['dns', 'mail'] });
    const others = await api.groups.create({ name: 'others', services: ['dns'] });
    const imap = { address: '172.20.0.20', port: 993, protocol: 'tcp' as const };
    expect(await api.firewall.test({ source: { groupId: readers.id }, destination: imap })).toMatchObject({
      allowed: true,
      rule: { owner: 'group', why: 'may use mail' },
    });
    expect(await api.firewall.test({ source: { groupId: others.id }, destination: imap })).toMatchObject({
      allowed: false,
    });
    // Port 25 is for other mail servers (published by the engine), not opened to peers by this need.
    expect(
      await api.firewall.test({ source: { groupId: readers.id }, destination: { ...imap, port: 25 } }),
    ).toMatchObject({ allowed: false });
  });

  it('go with the service: a service not installed, or on its way out, is no service to name', async () => {
    const err = await expectCode(admin(db).groups.create({ name: 'x', services: ['mail'] }), 'BAD_REQUEST');
    expect(err.message).toMatch(/mail: not a service of this cell/);
    installMail(db, 'removing');
    expect(loadInputs(db)!.services.some((s) => s.name === 'mail')).toBe(false);
  });
});
