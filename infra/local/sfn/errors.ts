/**
 * Errors raised while interpreting a state machine, and which Retry/Catch entries match them,
 * following the AWS Step Functions error-name rules:
 * - `States.Runtime` (a path that matches nothing, an intrinsic function that fails, ...) is never
 *   retried or caught: the execution fails.
 * - `States.DataLimitExceeded` is not matched by `States.ALL` (nor `States.TaskFailed`); only an
 *   entry naming it catches it.
 * - `States.HeartbeatTimeout` is also matched by `States.Timeout`.
 * - `States.TaskFailed` matches every error except the timeouts (and the two above).
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

export const RUNTIME = 'States.Runtime';
export const DATA_LIMIT = 'States.DataLimitExceeded';
export const TIMEOUT = 'States.Timeout';
export const HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';

export function runtimeError(message: string): StatesError {
  return new StatesError(RUNTIME, message);
}

/** The ASL error name and cause of anything thrown while running a state. */
export function stateError(e: unknown): { error: string; cause: string } {
  if (e instanceof StatesError) return { error: e.error, cause: e.causeText };
  return { error: RUNTIME, cause: e instanceof Error ? e.message : String(e) };
}

/** True when a Retrier or Catcher with this ErrorEquals handles `error`. */
export function matchesError(errorEquals: string[], error: string): boolean {
  if (error === RUNTIME) return false;
  const timeout = error === TIMEOUT || error === HEARTBEAT_TIMEOUT;
  return errorEquals.some((e) => {
    if (e === error) return true;
    if (e === TIMEOUT) return error === HEARTBEAT_TIMEOUT;
    if (error === DATA_LIMIT) return false;
    if (e === 'States.ALL') return true;
    return e === 'States.TaskFailed' && !timeout;
  });
}

/** Step Functions' payload quota: 256 KiB of UTF-8 JSON for any state input, output or task result. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

export function payloadBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Throws States.DataLimitExceeded when `value` serialises to more than the payload quota. */
export function checkPayload(value: unknown, what: string): void {
  const bytes = payloadBytes(JSON.stringify(value) ?? 'null');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      DATA_LIMIT,
      `${what} has ${bytes} bytes, more than the maximum of ${PAYLOAD_LIMIT_BYTES} bytes.`,
    );
  }
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
