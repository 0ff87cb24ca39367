/**
 * The test clock of the local realisation: `GET /local/clock` tells the time the system runs on,
 * `POST /local/clock {"advanceSeconds": n}` moves it forward. Functions read the time through
 * functions/core/clock.ts and the local Step Functions engine runs its Wait states and timeouts
 * on the same clock, so moving it lets a loan run out or a task time out at once. Time only moves
 * forward. The stack has nothing like it: on AWS the offset is never set.
 */
import { CLOCK_OFFSET_ENV, now } from '../../functions/core/clock.ts';
import { errorMessage } from '../../functions/core/errors.ts';

/** Ten years: far enough for any retention test, near enough to catch a unit mistake. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 86_400;

export function clockOffsetSeconds(): number {
  const raw = process.env[CLOCK_OFFSET_ENV];
  return raw === undefined || raw === '' ? 0 : Number(raw);
}

export function advanceClock(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_ADVANCE_SECONDS) {
    throw new RangeError(`advanceSeconds must be a number above 0 and at most ${MAX_ADVANCE_SECONDS}`);
  }
  process.env[CLOCK_OFFSET_ENV] = String(clockOffsetSeconds() + seconds);
}

const state = () => ({ now: now().toISOString(), offsetSeconds: clockOffsetSeconds() });
const error = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } },
});

/** Serves `/local/clock`; undefined for any other path. */
export function clockRoute(
  method: string,
  path: string,
  body: Buffer,
): { status: number; body: unknown } | undefined {
  if (path !== '/local/clock') return undefined;
  if (method === 'GET') return { status: 200, body: state() };
  if (method !== 'POST') return error(405, 'MethodNotAllowed', 'use GET or POST');
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8') || 'null');
  } catch {
    return error(400, 'BadRequest', 'request body is not valid JSON');
  }
  const seconds = (input as { advanceSeconds?: unknown } | null)?.advanceSeconds;
  try {
    advanceClock(typeof seconds === 'number' ? seconds : Number.NaN);
  } catch (err) {
    return error(400, 'BadRequest', errorMessage(err));
  }
  return { status: 200, body: state() };
}
