import { TRPCError } from '@trpc/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { users } from '@/server/db/schema';
import type { SessionUser } from '@/server/managers/accounts';
import { appRouter } from '@/server/routers/_app';
import type { Access } from '@/server/trpc';
import { callerAs, freshCell, setUp } from '../../helpers/db';

interface Proc {
  _def: { meta?: { access: Access }; type: 'query' | 'mutation' | 'subscription' };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);

/** Calls a procedure by its dotted path; returns the tRPC code it failed with, or 'OK'. */
async function codeOf(db: Db, session: SessionUser | null, path: string): Promise<string> {
  let fn: unknown = callerAs(db, session);
  for (const part of path.split('.')) fn = (fn as Record<string, unknown>)[part];
  try {
    await (fn as (input?: unknown) => Promise<unknown>)(undefined);
    return 'OK';
  } catch (err) {
    if (!(err instanceof TRPCError)) throw err;
    // A validation failure means the caller got past the gate and the role check;
    // so does a runtime procedure that found no container engine.
    if (err.code === 'PRECONDITION_FAILED' && /container engine/.test(err.message)) return 'OK';
    return err.code === 'BAD_REQUEST' || err.code === 'NOT_FOUND' ? 'OK' : err.code;
  }
}

// No engine here: runtime procedures must fail fast, not hang.
process.env.PIC_DOCKER_SOCKET = '/nonexistent/pic-test/docker.sock';

const ADMIN: SessionUser = { id: 1, username: 'admin', role: 'admin' };
const PEER: SessionUser = { id: 2, username: 'alice', role: 'peer' };

it('every procedure declares who may call it through a builder', () => {
  expect(procedures.length).toBeGreaterThan(5);
  for (const [path, proc] of procedures) {
    expect(['public', 'setup', 'authed', 'admin', 'peer'], path).toContain(proc._def.meta?.access);
  }
});

describe('before setup', () => {
  const { db } = freshCell();
  it.each(procedures.map(([p, proc]) => [p, proc._def.meta!.access] as const))('%s (%s)', async (path, access) => {
    const code = await codeOf(db, ADMIN, path);
    if (access === 'setup' || access === 'public') expect(code).not.toBe('PRECONDITION_FAILED');
    else expect(code).toBe('PRECONDITION_FAILED');
  });
});

describe('after setup', () => {
  let db: Db;
  beforeAll(async () => {
    db = freshCell().db;
    await setUp(db);
    db.insert(users)
      .values({
        username: 'alice',
        passwordHash: 'x',
        role: 'peer',
        createdAt: new Date(),
        passwordChangedAt: new Date(),
      })
      .run();
  });

  const expected: Record<Access, Record<'none' | 'peer' | 'admin', string>> = {
    public: { none: 'OK', peer: 'OK', admin: 'OK' },
    setup: { none: 'SETUP', peer: 'SETUP', admin: 'SETUP' },
    authed: { none: 'UNAUTHORIZED', peer: 'OK', admin: 'OK' },
    admin: { none: 'UNAUTHORIZED', peer: 'FORBIDDEN', admin: 'OK' },
    peer: { none: 'UNAUTHORIZED', peer: 'OK', admin: 'FORBIDDEN' },
  };

  it.each(procedures.map(([p, proc]) => [p, proc._def.meta!.access] as const))('%s (%s)', async (path, access) => {
    for (const [who, session] of [
      ['none', null],
      ['peer', PEER],
      ['admin', ADMIN],
    ] as const) {
      let want = expected[access][who];
      // Setup procedures are closed for good.
      if (want === 'SETUP') want = 'CONFLICT';
      expect(await codeOf(db, session, path), `${path} as ${who}`).toBe(want);
    }
  });
});
