import * as z from 'zod';
import type { Selection } from './bag-contents.ts';
import { CUSTOMER_NO_PATTERN } from './customers.ts';
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
    .object({
      customers: z
        .array(
          z
            .string()
            .trim()
            .toUpperCase()
            .regex(CUSTOMER_NO_PATTERN, 'must be a customer number (4 to 32 letters, digits or hyphens)'),
        )
        .max(MAX_HANDOVER_CUSTOMERS, `names at most ${MAX_HANDOVER_CUSTOMERS} customers`)
        .default([]),
      year: z.number().int().min(1900).max(9999).optional(),
      category: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z0-9]{1,16}$/, 'must be 1 to 16 letters or digits')
        .optional(),
    })
    .strict()
    // No customers named: the whole archive year, as the export command takes it.
    .refine((s) => s.customers.length > 0 || s.year !== undefined, {
      message: 'names no customer and no year: give customers, a year, or both',
      path: ['customers'],
    }),
);

/** A request as the API reads it: customer numbers once each, in the order given. */
export function handoverSelection(input: z.infer<typeof handoverRequestSchema>): Selection {
  return {
    customers: [...new Set(input.customers)],
    ...(input.year === undefined ? {} : { year: input.year }),
    ...(input.category === undefined ? {} : { category: input.category }),
  };
}
