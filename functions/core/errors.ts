/**
 * Domain errors. Each carries the HTTP status the API answers with and a stable code;
 * the HTTP layer exposes status < 500 to the client and hides everything else.
 */
export class DomainError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 500,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = code;
  }
}

export class BadRequest extends DomainError {
  constructor(message: string, details?: unknown) {
    super(400, 'BadRequest', message, details);
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'a valid bearer token is required') {
    super(401, 'Unauthorized', message);
  }
}

export class Forbidden extends DomainError {
  constructor(message: string) {
    super(403, 'Forbidden', message);
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super(404, 'NotFound', `${what} ${id} does not exist`);
  }
}

/**
 * A record outside the caller's regions: answered exactly like one that does not exist (so the
 * answer does not tell it exists), and audited as such (functions/http/refusals.ts).
 */
export class OutOfRegion extends NotFound {}

export class Conflict extends DomainError {
  constructor(message: string, details?: unknown) {
    super(409, 'Conflict', message, details);
  }
}

export class PayloadTooLarge extends DomainError {
  constructor(message: string) {
    super(413, 'PayloadTooLarge', message);
  }
}

/** Field errors in the shape the API returns in `error.details`. */
export interface FieldError {
  path: string;
  message: string;
}

/** The message of anything thrown (an Error's message, else its text). */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The name of anything thrown: an SDK error's name (`ConditionalCheckFailedException`, ...). */
export const errorName = (err: unknown): string | undefined =>
  err instanceof Error ? err.name : (err as { name?: unknown } | null)?.name?.toString();
