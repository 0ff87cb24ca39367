/**
 * The API's refusals of bad input, word for word, from the schemas the functions use. They are
 * built with zod/mini, which has no messages of its own (functions/core/lazy-schema.ts sets zod's
 * English ones); no module here loads full zod, so these are the messages a function answers
 * with, and the same as when the schemas were built with full zod.
 */
import { describe, expect, it } from 'vitest';
import { createCustomerSchema } from '../../functions/core/customers.ts';
import type { BadRequest } from '../../functions/core/errors.ts';
import { createLoanSchema } from '../../functions/core/loans.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { decisionSchema } from '../../functions/core/tasks.ts';
import { parseInput } from '../../functions/http/api.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    const { message, details } = err as BadRequest;
    return { message, details };
  }
  throw new Error('the input was accepted');
};

describe('refusals of bad input', () => {
  const scheme = getScheme('power-supply');

  it('of a loan: each field with its code, its limit and the message the schema gives', () => {
    const input = { documentIds: [], purpose: ' ', days: 999, by: 'x' };
    expect(refusal(() => parseInput(createLoanSchema(scheme), input))).toEqual({
      message:
        "invalid request: documentIds: documentIds is empty: name at least one document; purpose: purpose is required: say why you need the documents; days: days must be at most 30 (the scheme's maxLoanDays); by: is not accepted here",
      details: [
        {
          path: 'documentIds',
          code: 'too_small',
          message: 'documentIds is empty: name at least one document',
          params: { minimum: 1, origin: 'array', inclusive: true },
        },
        {
          path: 'purpose',
          code: 'too_small',
          message: 'purpose is required: say why you need the documents',
          params: { minimum: 1, origin: 'string', inclusive: true },
        },
        {
          path: 'days',
          code: 'too_big',
          message: "days must be at most 30 (the scheme's maxLoanDays)",
          params: { maximum: 30, origin: 'number', inclusive: true },
        },
        { path: 'by', code: 'unknown_field', message: 'is not accepted here' },
      ],
    });
  });

  it('of a customer: a missing field, a wrong type, a refinement and a format', () => {
    const input = { name: 7, type: 'X', closedAt: '2026-02-30' };
    expect(refusal(() => parseInput(createCustomerSchema(scheme), input))).toEqual({
      message:
        'invalid request: customerNo: is required; name: must be a string; type: must be one of RES, LV, HV; closedAt: must be a date YYYY-MM-DD',
      details: [
        { path: 'customerNo', code: 'required', message: 'is required' },
        { path: 'name', code: 'invalid_type', message: 'must be a string', params: { expected: 'string' } },
        { path: 'type', code: 'invalid', message: 'must be one of RES, LV, HV' },
        {
          path: 'closedAt',
          code: 'invalid_format',
          message: 'must be a date YYYY-MM-DD',
          params: { format: 'date' },
        },
      ],
    });
  });

  it("of a decision: zod's own message for an option, and a whole number", () => {
    expect(refusal(() => parseInput(decisionSchema, { decision: 'maybe', extendYears: 1.5 }))).toEqual({
      message:
        'invalid request: decision: Invalid option: expected one of "approve"|"reject"; extendYears: extendYears must be a whole number of years',
      details: [
        {
          path: 'decision',
          code: 'invalid_value',
          message: 'Invalid option: expected one of "approve"|"reject"',
          params: { values: ['approve', 'reject'] },
        },
        {
          path: 'extendYears',
          code: 'invalid_type',
          message: 'extendYears must be a whole number of years',
          params: { expected: 'int' },
        },
      ],
    });
  });
});
