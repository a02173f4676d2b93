import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { openDb, type Db } from '@/server/db';
import { bindRuntime, createRuntime } from '@/server/runtime/runtime';
import type { WgBackend } from '@/server/runtime/wireguard-backend';
import type { SessionUser } from '@/server/managers/accounts';
import { createCaller } from '@/server/routers/_app';
import type { CompleteSetupInput } from '@/lib/schemas/setup';

/** A fresh data directory (secrets included) and a real SQLite file with the real migrations. */
export function freshCell(): { db: Db; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-test-'));
  process.env.PIC_DATA_DIR = dir;
  process.env.PIC_LOG_STDOUT = '0';
  return { db: openDb(path.join(dir, 'cell.db')), dir };
}

/** This cell's runtime applies the tunnel to the given backend (a recorder, or a real interface). */
export function useBackend(db: Db, wireguard: WgBackend): void {
  bindRuntime(db, createRuntime(process.env, { wireguard }));
}

export const SETUP: CompleteSetupInput = {
  cellName: 'home',
  domainMode: 'lan',
  timezone: 'Europe/Berlin',
  adminUsername: 'admin',
  adminPassword: 'correct horse battery',
  services: ['dns', 'ntp', 'wireguard'],
};

export function callerAs(db: Db, session: SessionUser | null) {
  return createCaller({ db, session, clientAddress: '127.0.0.1' });
}

export const anon = (db: Db) => callerAs(db, null);
export const admin = (db: Db) => callerAs(db, { id: 1, username: 'admin', role: 'admin' });

export async function setUp(db: Db, input: Partial<CompleteSetupInput> = {}) {
  return anon(db).setup.complete({ ...SETUP, ...input });
}

/** Awaits a call that must fail with the given tRPC code; returns the error for further checks. */
export async function expectCode(p: Promise<unknown>, code: TRPCError['code']): Promise<TRPCError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  expect((err as TRPCError).code).toBe(code);
  return err as TRPCError;
}
