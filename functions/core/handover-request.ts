import * as z from 'zod/mini';
import type { Selection } from './bag-contents.ts';
import { CUSTOMER_NO_PATTERN } from './customer-numbers.ts';
import { lazySchema } from './lazy-schema.ts';

/**
 * What `POST /handovers` takes: the export command's selection (core/handovers.ts says what
 * becomes of it). Apart from the rest of the package's rules because the request's rule
 * (http/rules.ts `handover-selection`) parses it, and every API function carries the rules.
 */

/** Customers a request names at most. */
export const MAX_HANDOVER_CUSTOMERS = 50;

export const handoverRequestSchema = lazySchema(() =>
  z
    .strictObject({
      customers: z._default(
        z
          .array(
            z
              .string()
              .check(
                z.trim(),
                z.toUpperCase(),
                z.regex(
                  CUSTOMER_NO_PATTERN,
                  'must be a customer number (4 to 32 letters, digits or hyphens)',
                ),
              ),
          )
          .check(z.maxLength(MAX_HANDOVER_CUSTOMERS, `names at most ${MAX_HANDOVER_CUSTOMERS} customers`)),
        [],
      ),
      year: z.optional(z.number().check(z.int(), z.minimum(1900), z.maximum(9999))),
      category: z.optional(
        z
          .string()
          .check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z0-9]{1,16}$/, 'must be 1 to 16 letters or digits')),
      ),
    })
    // No customers named: the whole archive year, as the export command takes it.
    .check(
      z.refine((s) => s.customers.length > 0 || s.year !== undefined, {
        message: 'names no customer and no year: give customers, a year, or both',
        path: ['customers'],
      }),
    ),
);

/** A request as the API reads it: customer numbers once each, in the order given. */
export function handoverSelection(input: z.infer<typeof handoverRequestSchema>): Selection {
  return {
    customers: [...new Set(input.customers)],
    ...(input.year === undefined ? {} : { year: input.year }),
    ...(input.category === undefined ? {} : { category: input.category }),
  };
}
