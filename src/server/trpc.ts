import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import type { Db } from './db';
import { DomainError, FieldErrorsError, meaningOf } from './errors';
import type { SessionUser } from './managers/accounts';
import { appendAudit } from './managers/audit';
import { checkSetupCode, isSetupComplete } from './managers/setup';
import { logger } from './runtime/logger';
import { issuesToFieldErrors, type FieldErrors } from '@/lib/field-errors';
import { runtimeOf } from './runtime/runtime';

export interface Context {
  db: Db;
  session: SessionUser | null;
  clientAddress: string;
  /** The setup code the wizard sends (`x-setup-code`): asked of callers from outside the host before setup. */
  setupCode?: string | null;
}

/** Shared by the audit middleware and the intent entry further in: the id of the `started` entry. */
interface AuditIntent {
  ref: number | null;
}

/** Who may call a procedure; read by the permission matrix test. */
export type Access = 'public' | 'setup' | 'authed' | 'admin' | 'peer';
export interface Meta {
  access: Access;
  /** Mutations that change nothing (validation only) may opt out of the audit trail. */
  audit?: boolean;
  /** What of the input the trail keeps, when some of it is secret by the form's word, not its field's name. */
  auditInput?: (input: unknown) => unknown;
}

/** Per-field messages from a zod (or any Standard Schema) failure or a domain error. */
function fieldErrorsOf(cause: unknown): FieldErrors | null {
  if (cause instanceof FieldErrorsError) return cause.fields;
  if (cause instanceof DomainError) return cause.field ? { [cause.field]: [cause.message] } : null;
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? issuesToFieldErrors(issues) : null;
}

/** A readable message: validation failures name each field and its reason. */
function errorMessage(error: TRPCError): string {
  const fields =
    error.code === 'BAD_REQUEST' && !(error.cause instanceof DomainError) ? fieldErrorsOf(error.cause) : null;
  if (!fields) return error.message;
  return Object.entries(fields)
    .map(([k, msgs]) => `${k}: ${msgs[0]}`)
    .join('; ');
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const { stack: _stack, ...data } = shape.data;
      return { ...shape, data: { ...data, fieldErrors: fieldErrorsOf(error.cause) } };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

/**
 * Managers throw domain errors; this is the one place they become tRPC codes. Input
 * validation failures get a message that names each field and its reason.
 */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const { cause } = result.error;
  if (cause instanceof DomainError) {
    throw new TRPCError({ code: meaningOf(cause).code, message: cause.message, cause });
  }
  const message = errorMessage(result.error);
  if (message !== result.error.message) throw new TRPCError({ code: result.error.code, message, cause });
  return result;
});

/** Who the trail names for a call: the signed-in user, else the wizard or an anonymous caller. */
function actorOf(ctx: Context, meta: Meta | undefined) {
  const actorRole = ctx.session?.role ?? (meta?.access === 'setup' ? ('setup' as const) : ('anonymous' as const));
  return { actor: ctx.session?.username ?? actorRole, actorRole };
}

const auditedInput = (meta: Meta | undefined, input: unknown) =>
  meta?.auditInput && input !== undefined ? meta.auditInput(input) : input;

/** Every mutation, allowed or refused, leaves an entry in the hash-chained audit trail. */
const audit = t.middleware(async ({ ctx, meta, path, type, getRawInput, next }) => {
  const intent: AuditIntent = { ref: null };
  const result = await next({ ctx: { auditIntent: intent } });
  if (type !== 'mutation' || meta?.audit === false) return result;
  try {
    const input = auditedInput(meta, await getRawInput().catch(() => undefined));
    appendAudit(ctx.db, {
      ...actorOf(ctx, meta),
      procedure: path,
      input,
      outcome: result.ok ? 'success' : result.error.code === 'INTERNAL_SERVER_ERROR' ? 'error' : 'refused',
      detail: result.ok ? null : `${result.error.code}: ${result.error.message}`,
      ref: intent.ref,
    });
  } catch (err) {
    logger.child('audit').error('could not write audit entry', { path, err });
  }
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    logger.child('trpc').error('procedure failed', { path, err: result.error.cause ?? result.error });
  }
  return result;
});

/**
 * A mutation past its gates records that it starts before it changes anything: killed
 * half-way, the trail still shows it, and the next start closes it as interrupted.
 */
const intent = t.middleware(async ({ ctx, meta, path, type, getRawInput, next }) => {
  const holder = (ctx as Context & { auditIntent?: AuditIntent }).auditIntent;
  if (type === 'mutation' && meta?.audit !== false && holder) {
    const input = auditedInput(meta, await getRawInput().catch(() => undefined));
    holder.ref = appendAudit(ctx.db, {
      ...actorOf(ctx, meta),
      procedure: path,
      input,
      outcome: 'started',
    }).id;
  }
  return next();
});

/** Until setup completes, only setup and public procedures run. */
const setupGate = t.middleware(({ ctx, meta, next }) => {
  const access = meta?.access;
  if (access !== 'setup' && access !== 'public' && !isSetupComplete(ctx.db)) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Setup is not complete: finish it at /setup' });
  }
  return next();
});

/** The cell's runtime (environment, tunnel backend, clock), handed in with its database. */
const withRuntime = t.middleware(({ ctx, next }) => next({ ctx: { runtime: runtimeOf(ctx.db) } }));

const base = t.procedure.use(withRuntime).use(audit).use(errorMapping).use(setupGate);

export const publicProcedure = base.meta({ access: 'public' });

/** Setup procedures (the wizard's steps and its name check); closed for good once setup is complete. */
export const setupProcedure = base
  .meta({ access: 'setup' })
  .use(({ ctx, next }) => {
    if (isSetupComplete(ctx.db)) {
      throw new TRPCError({ code: 'CONFLICT', message: 'Setup is already complete' });
    }
    checkSetupCode(ctx.db, ctx.clientAddress, ctx.setupCode);
    return next();
  })
  .use(intent);

/** A signed-in caller, of the given role when one is named. */
function signedIn(role?: 'admin' | 'peer') {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    if (role && ctx.session.role !== role)
      throw new TRPCError({ code: 'FORBIDDEN', message: role === 'admin' ? 'Admins only' : 'Peers only' });
    return next({ ctx: { ...ctx, session: ctx.session } });
  });
}

export const authedProcedure = base.meta({ access: 'authed' }).use(signedIn()).use(intent);
export const adminProcedure = base.meta({ access: 'admin' }).use(signedIn('admin')).use(intent);
export const peerProcedure = base.meta({ access: 'peer' }).use(signedIn('peer')).use(intent);
