import type { $ZodError, $ZodIssue } from 'zod/v4/core';
import { BadRequest, type FieldError } from '../core/errors.ts';

/**
 * Input a schema refused, as the API answers it: one field error per problem, each with the
 * field (a query parameter by its name; never "(body)" for a query), a stable code and the
 * limit it broke (core/errors.ts `FieldError`), so a 999-day loan says the most is 30 in any
 * language. The value given is never repeated back: it may be personal data.
 */

/** Where the refused input came from: the JSON body or the query string. */
export type InputSource = 'body' | 'query';

type Issue = $ZodIssue;

export function fieldErrorsOf(issue: Issue): FieldError[] {
  const path = issue.path.map(String).join('.');
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: at(key),
        code: 'unknown_field',
        message: 'is not accepted here',
      }));
    case 'too_big':
      return [
        {
          path,
          code: 'too_big',
          message: issue.message,
          params: {
            maximum: Number(issue.maximum),
            origin: issue.origin,
            inclusive: issue.inclusive !== false,
          },
        },
      ];
    case 'too_small':
      return [
        {
          path,
          code: 'too_small',
          message: issue.message,
          params: {
            minimum: Number(issue.minimum),
            origin: issue.origin,
            inclusive: issue.inclusive !== false,
          },
        },
      ];
    case 'invalid_type':
      // Parsed with `reportInput`, a missing field is an issue whose input is undefined.
      return 'input' in issue && issue.input === undefined
        ? [{ path, code: 'required', message: issue.message }]
        : [{ path, code: 'invalid_type', message: issue.message, params: { expected: issue.expected } }];
    case 'invalid_value':
      return [
        {
          path,
          code: 'invalid_value',
          message: issue.message,
          params: { values: issue.values.map((v) => (typeof v === 'number' ? v : String(v))) },
        },
      ];
    case 'invalid_format':
      return [{ path, code: 'invalid_format', message: issue.message, params: { format: issue.format } }];
    default:
      return [{ path, code: 'invalid', message: issue.message }];
  }
}

/** A schema's refusal as a 400 naming each field (or query parameter) and what it broke. */
export function invalidInput(error: $ZodError, source: InputSource): BadRequest {
  const details = error.issues.flatMap(fieldErrorsOf);
  const where = source === 'query' ? '(query)' : '(body)';
  const named = details.map((d) => `${d.path || where}: ${d.message}`).join('; ');
  return new BadRequest(`invalid ${source === 'query' ? 'query parameters' : 'request'}: ${named}`, details);
}

/** Field errors a thrower built without a code get the catch-all `invalid`. */
export function withCodes(details: unknown): unknown {
  if (!Array.isArray(details)) return details;
  return details.map((d) =>
    d !== null && typeof d === 'object' && typeof (d as FieldError).path === 'string' && !('code' in d)
      ? { ...(d as FieldError), code: 'invalid' }
      : d,
  );
}
