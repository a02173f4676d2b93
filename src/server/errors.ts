/** Domain errors thrown by managers; the tRPC error formatter maps each to one code. */
export class DomainError extends Error {
  constructor(
    message: string,
    /** The input field the error is about, shown next to it in forms. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class NotFoundError extends DomainError {}
export class ConflictError extends DomainError {}
export class InvalidStateError extends DomainError {}
export class ValidationError extends DomainError {}
/** Known, but this caller may not have it now (a disabled peer's own config). */
export class ForbiddenError extends DomainError {}
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Several fields wrong at once (a CSV import): each key, like `rows.3.name`, with its reasons. */
export class FieldErrorsError extends ValidationError {
  constructor(readonly fields: Record<string, string[]>) {
    const entries = Object.entries(fields);
    const shown = entries.slice(0, 5).map(([k, v]) => `${k}: ${v[0]}`);
    super(`${shown.join('; ')}${entries.length > 5 ? `; and ${entries.length - 5} more` : ''}`);
  }
}

/** What each domain error means to a caller, in the one place: its tRPC code and its HTTP status. */
const MEANINGS = [
  [NotFoundError, 'NOT_FOUND', 404],
  [ConflictError, 'CONFLICT', 409],
  [InvalidStateError, 'PRECONDITION_FAILED', 412],
  [ValidationError, 'BAD_REQUEST', 400],
  [RateLimitedError, 'TOO_MANY_REQUESTS', 429],
  [ForbiddenError, 'FORBIDDEN', 403],
] as const;

export function meaningOf(err: DomainError): { code: (typeof MEANINGS)[number][1] | 'BAD_REQUEST'; status: number } {
  const found = MEANINGS.find(([cls]) => err instanceof cls);
  return found ? { code: found[1], status: found[2] } : { code: 'BAD_REQUEST', status: 400 };
}
