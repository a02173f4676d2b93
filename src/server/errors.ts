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
