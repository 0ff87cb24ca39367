import { parseCustomerId } from './customers.ts';
import { parseBatchId } from './disposal.ts';
import { BadRequest } from './errors.ts';

/**
 * The ids a request names, checked before any of them becomes part of a key. Every id Dangan
 * issues or accepts in a path is 1 to 128 letters, digits, hyphens or underscores: UUIDs
 * (customers, submissions, documents, loans, holds), user subjects, task ids
 * (`review-<submissionId>-1-review`), disposal batch ids (`KH-2036-01-20361115-1`), and the
 * roles and kinds some paths name. Anything else (over-long, `../`, NULs, unicode) is a 400
 * naming the parameter, never a read: DynamoDB refuses a partition key over 2048 bytes or a sort
 * key over 1024 with a ValidationException, which would answer 500.
 */

export const MAX_ID_LENGTH = 128;

const ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);

export const ID_RULE = `1 to ${MAX_ID_LENGTH} letters, digits, hyphens or underscores`;

export const isRequestId = (value: string): boolean => ID.test(value);

/** The value as a message shows it: quoted, cut after 40 characters, with its length if cut. */
export function shown(value: string): string {
  const chars = Array.from(value);
  return chars.length <= 40
    ? JSON.stringify(value)
    : `${JSON.stringify(chars.slice(0, 40).join(''))}… (${chars.length} characters)`;
}

/** `value` if it is an id, else a 400 naming `name` (a path parameter or a field). */
export function requestId(name: string, value: string): string {
  if (!isRequestId(value)) {
    throw new BadRequest(`${name} ${shown(value)} is not an id: ids are ${ID_RULE}`, [
      { path: name, message: `must be ${ID_RULE}` },
    ]);
  }
  return value;
}

/** Path parameters with a format of their own, whose words say what a refused one should be. */
const PATH_FORMATS: Readonly<Record<string, (value: string) => unknown>> = {
  customerId: (customerId) => parseCustomerId({ customerId }),
  batchId: parseBatchId,
};

/**
 * Every path parameter of a request is an id (`isRequestId`); the first that is not is a 400
 * naming it, in the words of its own format where it has one (a customer id, a batch id), else
 * in `requestId`'s. An id-shaped value of the wrong format is left to the handler's own check.
 */
export function checkPathIds(path: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(path)) {
    if (isRequestId(value)) continue;
    PATH_FORMATS[name]?.(value);
    requestId(name, value);
  }
}

/**
 * `value` if it has 1 to `max` characters (a free-form value a rule looks up by key, such as an
 * archive code), else a 400 naming `name`.
 */
export function keyText(name: string, value: string, max: number): string {
  if (value.length === 0 || value.length > max) {
    throw new BadRequest(`${name} ${shown(value)} is too long: at most ${max} characters`, [
      { path: name, message: `must be 1 to ${max} characters` },
    ]);
  }
  return value;
}
