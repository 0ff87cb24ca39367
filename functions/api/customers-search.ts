import { findCustomerIdByNo, getCustomer, searchByName } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import {
  type Customer,
  canSeeCustomer,
  customerView,
  DEFAULT_PAGE_SIZE,
  looksLikeCustomerNo,
  searchQuerySchema,
} from '../core/customers.ts';
import { Forbidden } from '../core/errors.ts';
import { maskForActor } from '../core/masking.ts';
import { DEFAULT_REGION, mayAccessRegion } from '../core/regions.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * GET /customers?q=&region=&limit=&cursor=: a customer number finds that customer through its
 * uniqueness item (wherever its region); anything else is a name prefix searched within one
 * region (DEFAULT unless given), by name, a page at a time. Only GetItem and Query: no Scan.
 *
 * Listings are masked for every role, including those that may read sensitive fields in clear:
 * a listing is not audited, and the clear values are one audited GET /customers/{id} away.
 */
export const handler = apiHandler('customers-search', async function handleCustomersSearch(req) {
  const scheme = getScheme(schemeId());
  const query = parseInput(searchQuerySchema, req.query);
  const q = query.q ?? '';
  const region = query.region ?? DEFAULT_REGION;
  if (query.region !== undefined && !mayAccessRegion(req.actor, region)) {
    throw new Forbidden(`region ${region} is outside the regions you may search`);
  }
  const masked = (c: Customer) => maskForActor(scheme, req.actor, customerView(c), { forceMask: true }).value;

  if (query.cursor === undefined && looksLikeCustomerNo(q)) {
    const customerId = await findCustomerIdByNo(q.toUpperCase());
    const customer = customerId === undefined ? undefined : await getCustomer(customerId);
    if (customer && canSeeCustomer(req.actor, customer)) {
      return { status: 200, body: { items: [masked(customer)], matchedBy: 'customerNo' } };
    }
  }

  const page = await searchByName({
    region,
    namePrefix: q,
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  });
  return {
    status: 200,
    body: {
      items: page.items.filter((c) => canSeeCustomer(req.actor, c)).map(masked),
      matchedBy: 'name',
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    },
  };
});
