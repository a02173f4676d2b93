import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { openDb, type Db } from '@/server/db';
import { bindRuntime, createRuntime, type Env } from '@/server/runtime/runtime';
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
export function useBackend(db: Db, wireguard: WgBackend, env: Env = process.env): void {
  bindRuntime(db, createRuntime(env, { wireguard }));
}

/** The schema changes from 0011 on, undone (latest first): what a cell from before them holds. */
export const UNDO_ROUTES_RENAME = `
  ALTER TABLE store_instances DROP COLUMN log_level;
  DROP TABLE kept_service_aliases;
  DROP TABLE kept_service_accounts;
  ALTER TABLE stack_components DROP COLUMN log_level;
  DROP TABLE service_certificates;
  DROP TABLE service_aliases;
  DROP TABLE backup_offsite;
  DROP TABLE log_levels;
  DROP TABLE notification_settings;
  DROP TABLE health_events;
  DROP TABLE health_state;
  DROP TABLE metrics_settings;
  DROP TABLE backup_operations;
  DROP TABLE backups;
  DROP TABLE backup_settings;
  DROP TABLE service_accounts;
  DROP TABLE store_operations;
  DROP TABLE store_instances;
  ALTER TABLE routes DROP COLUMN service;
  DROP TABLE store_keys;
  DROP TABLE firewall_rules;
  DROP TABLE firewall_state;
  DROP TABLE peer_group_members;
  DROP TABLE peer_groups;
  ALTER TABLE peers DROP COLUMN peer_to_peer_from_groups;
  ALTER TABLE peers DROP COLUMN services;
  DROP TABLE peer_traffic;
  DROP TABLE cell_traffic;
  DROP TABLE peer_endpoints;
  DROP TABLE peer_counters;
  ALTER TABLE config_applies DROP COLUMN waiting;
  DROP INDEX peers_created;
  DROP INDEX peers_expires;
  ALTER TABLE routes RENAME TO proxy_routes;
  DROP INDEX routes_host_path;
  CREATE UNIQUE INDEX proxy_routes_host_path ON proxy_routes (host, path);
  ALTER TABLE route_settings RENAME TO proxy_settings;
`;

/**
 * Takes a cell's database back to before a migration (`undo` reverses the schema changes
 * from it on) and opens it again: those migrations then run as on an upgrade.
 */
export function reopenBefore(db: Db, file: string, tag: string, undo: string): Db {
  const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  const when = journal.entries.find((e) => e.tag === tag)!.when;
  db.$client.exec(undo);
  db.$client.prepare('DELETE FROM __drizzle_migrations WHERE created_at >= ?').run(when);
  db.$client.close();
  return openDb(file);
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
