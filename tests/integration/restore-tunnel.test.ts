/**
 * A restore brings the tunnel back: a cell with a real WireGuard interface (wireguard-go between
 * namespaces) and a peer that pings through it is backed up; its data directory is lost and its
 * interface comes back blank, as on a new machine; after the restore the peer's old config,
 * unchanged, pings the cell again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backupOperationDone,
  createBackup,
  getBackupOperation,
  listBackups,
  receiveUpload,
  restoreBackup,
} from '@/server/managers/backup';
import { localBackend } from '@/server/managers/wireguard/backend';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp, useBackend } from '../helpers/db';
import { configurePeer, inNs, makeLab, requireTools, startWireguardGo, statusInNs, type Lab } from '../helpers/netns';

const ready = requireTools(
  'the tunnel after a restore',
  ['ip', 'wg', 'wg-quick', 'wireguard-go', 'ping'],
  'apt-get install wireguard-tools wireguard-go iproute2 iputils-ping',
);
const tag = `r${process.pid % 10000}`;
const CELL_IF = `wgc${tag}`;
const PEER_IF = `wgp${tag}`;
const PASS = 'the tunnel passphrase';

async function pingsWithin(lab: Lab, seconds: number): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until)
    if ((await statusInNs(lab.peer, ['ping', '-c', '1', '-W', '1', '10.0.0.1'])).code === 0) return true;
  return false;
}

/** The cell's interface as a new host has it: up, addressed, and knowing nothing. */
async function blankInterface(lab: Lab): Promise<void> {
  await startWireguardGo(lab.cell, CELL_IF);
  await inNs(lab.cell, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', CELL_IF]);
  await inNs(lab.cell, ['ip', 'link', 'set', CELL_IF, 'up']);
}

describe.skipIf(!ready)('a restore brings the tunnel back', () => {
  let lab: Lab | undefined;
  afterAll(() => lab?.destroy());

  it("the peer's old config pings the cell again once a wiped cell is restored", async () => {
    lab = makeLab(tag);
    await blankInterface(lab);
    await startWireguardGo(lab.peer, PEER_IF);

    const before = freshCell();
    useBackend(before.db, localBackend(CELL_IF, { netns: lab.cell }));
    await setUp(before.db);
    await admin(before.db).wireguard.update({ endpointHost: lab.cellIp, listenPort: 51998 });
    const peer = await admin(before.db).peers.create({ name: 'phone', routingPolicy: 'cell' });
    await configurePeer(lab.peer, PEER_IF, await admin(before.db).peers.config({ id: peer.id }));
    await settleChanges();
    expect(await pingsWithin(lab, 10)).toBe(true);
    const server = await admin(before.db).wireguard.get();

    const made = await createBackup(before.db, { passphrase: PASS, trigger: 'manual', scryptWorkFactor: 10 });
    await backupOperationDone(made.operationId);
    expect(getBackupOperation(before.db, made.operationId).error).toBeNull();
    const kept = path.join(fs.mkdtempSync('/tmp/pic-tunnel-'), 'cell.age');
    fs.copyFileSync(path.join(before.dir, 'backups', listBackups(before.db)[0]!.name), kept);

    // Lost: the data directory; the interface comes back blank. The phone's tunnel is dead.
    before.db.$client.close();
    fs.rmSync(before.dir, { recursive: true, force: true });
    await inNs(lab.cell, ['ip', 'link', 'del', CELL_IF]);
    await blankInterface(lab);
    expect(await pingsWithin(lab, 3)).toBe(false);

    const after = freshCell();
    useBackend(after.db, localBackend(CELL_IF, { netns: lab.cell }));
    const { uploadId } = await receiveUpload(after.db, fs.createReadStream(kept));
    const restored = await restoreBackup(after.db, { id: uploadId, key: { passphrase: PASS } });
    await backupOperationDone(restored.operationId);
    const done = getBackupOperation(after.db, restored.operationId);
    expect(done.error).toBeNull();
    expect(done.steps.map((s) => s.state)).toEqual(done.steps.map(() => 'done'));
    await settleChanges();

    // The interface runs the restored server: its key, its port, the phone as its peer.
    const [head, ...peers] = (await inNs(lab.cell, ['wg', 'show', CELL_IF, 'dump'])).trim().split('\n');
    expect(head!.split('\t').slice(1, 3)).toEqual([server.publicKey, '51998']);
    expect(peers.map((l) => l.split('\t')[0])).toEqual([peer.publicKey]);
    expect(await pingsWithin(lab, 20)).toBe(true);
    fs.rmSync(path.dirname(kept), { recursive: true, force: true });
  }, 120_000);
});
