import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { bundledManifests, indexKeyId, refreshIndex, signIndex } from '@/server/managers/store';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import { admin, freshCell, setUp } from '../../helpers/db';

const keyPair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { pem, privateKey, id: indexKeyId(pem) };
};
const publisher = keyPair();
const stranger = keyPair();

const calendar = bundledManifests().find((m) => m.id === 'calendar')!;
const newer = {
  ...calendar,
  version: '3.6.0',
  image: calendar.image.toString().replace(/@sha256:.*/, '@sha256:' + 'a'.repeat(64)),
};
const extra = { ...calendar, id: 'notes', name: 'Notes', routes: [], accounts: undefined, volumes: [] };

let served = '';
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end(served));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.json`;
});
afterAll(() => server.close());

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  await setUp(db);
  bindRuntime(db, createRuntime({ ...process.env, PIC_STORE_INDEX_URL: url, PIC_STORE_INDEX_KEYS: publisher.pem }));
});

const signed = (doc: Record<string, unknown>, key = publisher) =>
  JSON.stringify(signIndex(doc, key.id, key.privateKey));

describe('the bundled catalogue', () => {
  it('holds real manifests that pass the schema, every image pinned by digest', () => {
    const all = bundledManifests();
    expect(all.map((m) => m.id).sort()).toEqual([
      'calendar',
      'files',
      'mail',
      'openvpn-client',
      'tor',
      'wireguard-ext',
    ]);
    for (const m of all) expect(String(m.image)).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(all.filter((m) => m.category === 'exit').every((m) => m.instanceable)).toBe(true);
  });
});

describe('the signed index', () => {
  it('replaces bundled entries by id and adds its own; the catalogue says it used it', async () => {
    served = signed({ indexVersion: 1, services: [newer, extra] });
    const { index, entries } = await admin(db).store.catalogue({ refresh: true });
    expect(index).toMatchObject({ url, state: 'used', entries: 2, reason: null });
    expect(entries.find((e) => e.id === 'calendar')).toMatchObject({ version: '3.6.0', installed: [] });
    expect(entries.find((e) => e.id === 'notes')).toMatchObject({ name: 'Notes', instanceable: false });
    expect(entries.find((e) => e.id === 'mail')?.version).toBe('14.0.0');
  });

  it.each([
    [
      'changed after signing',
      () => signed({ indexVersion: 1, services: [newer] }).replace('3.6.0', '9.9.9'),
      /changed after signing/,
    ],
    [
      'signed by a key the cell does not trust',
      () => signed({ indexVersion: 1, services: [newer] }, stranger),
      /which this cell does not trust/,
    ],
    ['not signed', () => JSON.stringify({ indexVersion: 1, services: [newer] }), /not signed/],
    ['not JSON', () => '<html>', /not JSON/],
    ['another index version', () => signed({ indexVersion: 2, services: [] }), /Only indexVersion 1/],
    [
      'an entry that fails the schema',
      () => signed({ indexVersion: 1, services: [{ ...newer, image: 'evil/image:latest' }] }),
      /Index entry 0: image: Pin the image by digest/,
    ],
  ])('is not used when %s, and the bundled catalogue stands alone', async (_what, doc, reason) => {
    served = doc();
    const { index, entries } = await admin(db).store.catalogue({ refresh: true });
    expect(index.state).toBe('refused');
    expect(index.reason).toMatch(reason);
    expect(entries.find((e) => e.id === 'calendar')?.version).toBe(calendar.version);
    expect(entries.some((e) => e.id === 'notes')).toBe(false);
  });

  it('says when no index key is trusted, and when the index cannot be reached', async () => {
    bindRuntime(db, createRuntime({ ...process.env, PIC_STORE_INDEX_URL: url, PIC_STORE_INDEX_KEYS: '' }));
    expect(await refreshIndex(db, { force: true })).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/PIC_STORE_INDEX_KEYS/),
    });
    bindRuntime(
      db,
      createRuntime({
        ...process.env,
        PIC_STORE_INDEX_URL: 'http://127.0.0.1:9/index.json',
        PIC_STORE_INDEX_KEYS: publisher.pem,
      }),
    );
    expect(await refreshIndex(db, { force: true })).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/cannot be reached/),
    });
  });
});
