/**
 * Errors raised while interpreting a state machine. `error` is the ASL error name
 * (e.g. `States.Timeout`, `States.Runtime`, or a Lambda's errorType) and `cause` the text that
 * ends up in history events, DescribeExecution and Catch output.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
    this.name = 'StatesError';
  }
}

/** Errors that no Retry or Catch can handle: the execution fails with them. */
export const UNCATCHABLE = new Set(['States.Runtime', 'States.DataLimitExceeded']);

export function runtimeError(message: string): StatesError {
  return new StatesError('States.Runtime', message);
}

export function intrinsicError(message: string): StatesError {
  return new StatesError('States.IntrinsicFailure', message);
}

/** An error for the HTTP API, returned to the client in the AWS JSON 1.0 error shape. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}
