import fs from 'node:fs';
import path from 'node:path';
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { flushLogs } from '@/server/runtime/logger';
import type { FieldErrorsError } from '@/server/errors';
import type { Db } from '@/server/db';
import { peers } from '@/server/db/schema';
import { settleChanges } from '@/server/runtime/changes';
import { parsePeerCsv } from '@/lib/schemas/peer-import';
import { admin, expectCode, freshCell, setUp, useBackend } from '../../helpers/db';
import { logLines } from '../../helpers/logs';
import { recordingBackend } from '../../helpers/wireguard';

let db: Db;
let dir: string;
let wg: ReturnType<typeof recordingBackend>;

beforeEach(async () => {
  ({ db, dir } = freshCell());
  process.env.PIC_LOG_LEVEL = 'debug';
  wg = recordingBackend();
  useBackend(db, wg.backend);
  await setUp(db);
  await admin(db).peers.create({ name: 'existing', routingPolicy: 'cell' });
  await settleChanges();
  wg.calls.length = 0;
});
afterAll(() => {
  delete process.env.PIC_LOG_LEVEL;
});

/** How often each daemon's config was rendered, from the debug log. */
const renders = async (component: string) => {
  await flushLogs();
  return logLines(path.join(dir, 'logs')).filter(
    (l) => l.includes('"config rendered"') && l.includes(`"component":"${component}"`),
  ).length;
};

/** The per-field errors the client receives as `data.fieldErrors`. */
const fieldErrors = (err: TRPCError) => (err.cause as FieldErrorsError).fields;

describe('peers.importMany', () => {
  it('a burst of 100 peers from a CSV is one WireGuard apply and one DNS render', async () => {
    const csv = ['name,routingPolicy', ...Array.from({ length: 100 }, (_, i) => `laptop-${i},cell`)].join('\n');
    const dnsBefore = await renders('dns');
    const { created, apply } = await admin(db).peers.importMany({ csv });
    await settleChanges();
    expect(created).toHaveLength(100);
    expect(apply.state).toBe('applied');
    expect(wg.calls.map((c) => c.op)).toEqual(['sync']);
    expect(wg.calls[0]!.text!.match(/^\[Peer\]/gm)).toHaveLength(101);
    expect((await renders('dns')) - dnsBefore).toBe(1);
    const zone = fs.readFileSync(path.join(dir, 'config', 'dns', 'cell.zone'), 'utf8');
    expect(zone).toMatch(/^laptop-99\s/m);
    expect(db.select().from(peers).all()).toHaveLength(101);
  });

  it('one bad row creates nothing and names each row and field that is wrong', async () => {
    const csv = [
      'name,routingPolicy,address,allowedIps,expiresAt,peerToPeer',
      'good-1,cell,,,,',
      'bad-policy,sideways,,,,',
      'existing,full,,,,',
      'outside,cell,192.168.99.9,,,',
      'custom-empty,custom,,,,',
      'flag,cell,,,,maybe',
      'good-1,full,,,,',
    ].join('\n');
    const err = await expectCode(admin(db).peers.importMany({ csv }), 'BAD_REQUEST');
    expect(Object.keys(fieldErrors(err)).sort()).toEqual([
      'rows.2.routingPolicy',
      'rows.5.allowedIps',
      'rows.6.peerToPeer',
      'rows.7.name',
    ]);
    expect(fieldErrors(err)['rows.7.name']).toEqual(['Row 1 already has the name good-1']);
    // The database checks run once the file itself is sound.
    const fixed = csv
      .replace('bad-policy,sideways', 'bad-policy,cell')
      .replace('custom-empty,custom', 'custom-empty,cell')
      .replace(',maybe', ',yes')
      .replace('good-1,full', 'good-2,full');
    const err2 = await expectCode(admin(db).peers.importMany({ csv: fixed }), 'BAD_REQUEST');
    expect(fieldErrors(err2)).toEqual({
      'rows.3.name': ['A peer named existing already exists'],
      'rows.4.address': ['192.168.99.9 is outside the tunnel subnet 10.0.0.0/24'],
    });
    expect(err2.message).toMatch(/^rows\.3\.name: A peer named existing already exists; rows\.4\.address: /);
    expect(
      db
        .select()
        .from(peers)
        .all()
        .map((p) => p.name),
    ).toEqual(['existing']);
    expect(wg.calls).toEqual([]);
  });

  it('reads quoted fields, lists of networks, expiry dates and yes/no', async () => {
    const csv =
      'name,routingPolicy,allowedIps,expiresAt,peerToPeer\r\n"office, main",custom,"10.1.0.0/24,10.2.0.0/24",2099-01-01,no\r\nsite-b,custom,10.3.0.0/24 10.4.0.0/24,,yes\r\n';
    const parsed = parsePeerCsv(csv);
    expect('errors' in parsed).toBe(true);
    // The comma is not allowed in a peer name: the quoted field reached the name check whole.
    expect('errors' in parsed && parsed.errors['rows.1.name']).toEqual([
      'Letters, digits, underscore, hyphen and dot only',
    ]);
    const { created } = await admin(db).peers.importMany({ csv: csv.replace('"office, main"', 'office') });
    const rows = db
      .select()
      .from(peers)
      .all()
      .filter((p) => created.includes(p.id));
    expect(rows.map((r) => [r.name, r.allowedIps, r.peerToPeer, r.expiresAt?.toISOString() ?? null])).toEqual([
      ['office', ['10.1.0.0/24', '10.2.0.0/24'], false, '2099-01-01T00:00:00.000Z'],
      ['site-b', ['10.3.0.0/24', '10.4.0.0/24'], true, null],
    ]);
  });

  it('refuses a file without the required columns, with unknown ones, or with too many rows', async () => {
    const csvError = async (csv: string) =>
      fieldErrors(await expectCode(admin(db).peers.importMany({ csv }), 'BAD_REQUEST')).csv;
    expect(await csvError('name\nx')).toEqual(['The header line must name routingPolicy']);
    expect(await csvError('name,routingPolicy,colour\nx,cell,red')).toEqual([
      'Unknown column colour: the columns are name, routingPolicy, address, allowedIps, expiresAt, peerToPeer',
    ]);
    expect(await csvError('name,routingPolicy\n')).toEqual(['No peers below the header line']);
    const big = ['name,routingPolicy', ...Array.from({ length: 1001 }, (_, i) => `p${i},cell`)].join('\n');
    expect(await csvError(big)).toEqual(['At most 1000 peers at once; this file has 1001']);
    expect(db.select().from(peers).all()).toHaveLength(1);
  });
});
