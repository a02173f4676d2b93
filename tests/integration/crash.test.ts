/**
 * kill -9 in the middle of peer creates and DNS applies, twenty times at random points:
 * after each restart the database, the rendered files and the audit trail agree, and the
 * audit chain verifies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { auditEntries, dnsRecords, peers } from '@/server/db/schema';
import { verifyAudit } from '@/server/managers/audit';
import { applyAll } from '@/server/runtime/changes';
import { applyWireguard } from '@/server/managers/wireguard';
import { recoverAfterStop } from '@/server/recover';
import { freshCell, setUp } from '../helpers/db';

process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';
const ROUNDS = 20;

/** Starts the worker, lets it run for a random while once it is ready, then kills it with SIGKILL. */
function runAndKill(dir: string, round: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('tests/helpers/crash-worker.ts'), String(round)],
      {
        env: { ...process.env, PIC_DATA_DIR: dir, PIC_LOG_STDOUT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const wait = 30 + Math.floor(Math.random() * 600);
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), wait));
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(wait) : reject(new Error(`worker ended by itself (${code}): ${err}`)),
    );
  });
}

/** What the last stop left: every stored peer and record accounted for in the trail and in the files. */
async function restartAndCheck(db: Db, dir: string) {
  // What a start does before serving: recover, then the loops render everything again.
  const recovered = recoverAfterStop(db);
  await applyAll(db);
  await applyWireguard(db);

  expect(db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(verifyAudit(db)).toMatchObject({ ok: true });
  const trail = db.select().from(auditEntries).all();
  const closed = new Set(trail.map((e) => e.ref).filter((r) => r !== null));
  expect(trail.filter((e) => e.outcome === 'started' && !closed.has(e.id))).toEqual([]);
  const named = (procedure: string) =>
    new Set(
      trail
        .filter((e) => e.procedure === procedure && e.outcome === 'started')
        .map((e) => (JSON.parse(e.input) as { name: string }).name),
    );
  const succeeded = (procedure: string) =>
    trail
      .filter((e) => e.procedure === procedure && e.outcome === 'success')
      .map((e) => (JSON.parse(e.input) as { name: string }).name);

  const peerRows = db.select().from(peers).all();
  const recordRows = db.select().from(dnsRecords).all();
  // Nothing stored that the trail does not show being attempted; nothing the trail says succeeded is missing.
  for (const p of peerRows) expect(named('peers.create').has(p.name), p.name).toBe(true);
  for (const r of recordRows) expect(named('dns.createRecord').has(r.name), r.name).toBe(true);
  for (const n of succeeded('peers.create'))
    expect(
      peerRows.some((p) => p.name === n),
      n,
    ).toBe(true);
  for (const n of succeeded('dns.createRecord'))
    expect(
      recordRows.some((r) => r.name === n),
      n,
    ).toBe(true);

  // The files are a rendering of the database again, with no temp file left behind.
  const zone = fs.readFileSync(path.join(dir, 'config', 'dns', 'cell.zone'), 'utf8');
  for (const p of peerRows) expect(zone).toMatch(new RegExp(`^${p.name}\\s`, 'm'));
  for (const r of recordRows) expect(zone).toMatch(new RegExp(`^${r.name}\\s.*${r.value.replace(/\./g, '\\.')}`, 'm'));
  const wg = fs.readFileSync(path.join(dir, 'config', 'wireguard', 'wg0.conf'), 'utf8');
  expect((wg.match(/^\[Peer\]/gm) ?? []).length).toBe(peerRows.length);
  for (const p of peerRows) expect(wg).toContain(p.publicKey);
  const leftovers = fs
    .readdirSync(path.join(dir, 'config'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.tmp'));
  expect(leftovers, leftovers.join(' ')).toEqual([]);
  return { peers: peerRows.length, records: recordRows.length, interrupted: recovered.interrupted };
}

describe('kill -9 at random points', () => {
  it(`${ROUNDS} kills during peer creates and DNS applies leave the database, files and audit trail in agreement`, async () => {
    const { db, dir } = freshCell();
    await setUp(db);
    let last = { peers: 0, records: 0, interrupted: 0 };
    let interrupted = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await runAndKill(dir, round);
      last = await restartAndCheck(db, dir);
      interrupted += last.interrupted;
    }
    // Most kills landed in the middle of a change, and were recovered as such.
    expect(interrupted).toBeGreaterThan(ROUNDS / 2);
    // The worker got real work done between kills.
    expect(last.peers).toBeGreaterThan(ROUNDS);
    expect(last.records).toBeGreaterThan(ROUNDS / 2);
  }, 300_000);
});
