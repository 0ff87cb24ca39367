/**
 * Domain errors. Each carries the HTTP status the API answers with and a stable code;
 * the HTTP layer exposes status < 500 to the client and hides everything else.
 */
export class DomainError extends Error {
  /** The values the message names, for a reader's own language (`error.params`). */
  params?: Record<string, string | number>;

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
  /** `rule`, where given, names the rule that refused in a stable code (`error.params.rule`). */
  constructor(message: string, rule?: string) {
    super(403, 'Forbidden', message);
    if (rule !== undefined) this.params = { rule };
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super(404, 'NotFound', `${what} ${id} does not exist`);
    this.params = { what, id };
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

/**
 * Field errors in the shape the API returns in `error.details`: the field (`path`, dotted; a
 * query parameter by its name), what is wrong with it in English, and, for a reader's own
 * language, a stable `code` with the limit or values it broke (`params`). Codes:
 * - `required`: the field is missing;
 * - `too_small` / `too_big`: below `minimum` / above `maximum` (`origin`: a number, the length of
 *   a string, the items of an array; `inclusive`);
 * - `invalid_type`: not a `expected`;
 * - `invalid_value`: not one of `values`;
 * - `invalid_format`: not of `format`;
 * - `unknown_field`: the field (or query parameter) is not accepted there;
 * - `invalid`: any other rule, the message says which.
 */
export interface FieldError {
  path: string;
  message: string;
  /** Set by the HTTP layer (`invalid` when the thrower named none). */
  code?: FieldErrorCode;
  params?: Record<string, string | number | boolean | readonly (string | number)[]>;
}

export type FieldErrorCode =
  | 'required'
  | 'too_small'
  | 'too_big'
  | 'invalid_type'
  | 'invalid_value'
  | 'invalid_format'
  | 'unknown_field'
  | 'invalid';

/** The message of anything thrown (an Error's message, else its text). */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The name of anything thrown: an SDK error's name (`ConditionalCheckFailedException`, ...). */
export const errorName = (err: unknown): string | undefined =>
  err instanceof Error ? err.name : (err as { name?: unknown } | null)?.name?.toString();
