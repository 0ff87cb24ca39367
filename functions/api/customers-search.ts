import { customerRegions, searchByNameAcross } from '../adapters/customer-name-search.ts';
import { findCustomerIdByNo, getCustomer, searchByName } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import {
  type Customer,
  canSeeCustomer,
  customerView,
  DEFAULT_PAGE_SIZE,
  looksLikeCustomerNo,
  mayAlsoBeName,
  searchQuerySchema,
} from '../core/customers.ts';
import { Forbidden } from '../core/errors.ts';
import { maskForActor } from '../core/masking.ts';
import { DEFAULT_REGION, mayAccessRegion, visibleRegions } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * The regions a name search without `region` covers: the caller's own when they are limited to
 * regions, else every region a customer was registered in (and DEFAULT, where customers without
 * a region are).
 */
async function regionsToSearch(actor: Actor): Promise<readonly string[]> {
  const mine = visibleRegions(actor);
  if (mine !== 'ALL') return mine;
  return [...new Set([DEFAULT_REGION, ...(await customerRegions())])];
}

/**
 * GET /customers?q=&region=&limit=&cursor=: a customer number finds that customer through its
 * uniqueness item (wherever its region); anything else is a name prefix searched by name, a page
 * at a time (a number without digits, which could be a name too, gets both: its customer first,
 * `matchedBy: 'customerNo'`, then the names it begins), within `region` when given, else across every region the caller serves (the answer
 * names them in `regions`, which the console's new-customer form offers). Only GetItem and
 * Query: no Scan.
 *
 * Listings are masked for every role, including those that may read sensitive fields in clear:
 * a listing is not audited, and the clear values are one audited GET /customers/{id} away.
 */
export const handler = apiHandler('customers-search', async function handleCustomersSearch(req) {
  const scheme = getScheme(schemeId());
  const query = parseInput(searchQuerySchema, req.query, 'query');
  const q = query.q ?? '';
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (query.region !== undefined && !mayAccessRegion(req.actor, query.region)) {
    throw new Forbidden(`region ${query.region} is outside the regions you may search`);
  }
  // A later page searches the regions its cursor names; the first reads which regions there are.
  const regions =
    query.region !== undefined
      ? [query.region]
      : query.cursor === undefined
        ? await regionsToSearch(req.actor)
        : [];
  const masked = (c: Customer) => maskForActor(scheme, req.actor, customerView(c), { forceMask: true }).value;

  const firstPage = query.cursor === undefined;
  // A number that could be a name is looked up on every page: its customer leads the first page
  // and is left out of the later ones, where its name may come up again.
  let byNumber: Customer | undefined;
  if (looksLikeCustomerNo(q) && (firstPage || mayAlsoBeName(q))) {
    const customerId = await findCustomerIdByNo(q.trim().toUpperCase());
    const customer = customerId === undefined ? undefined : await getCustomer(customerId);
    if (customer && canSeeCustomer(req.actor, customer)) byNumber = customer;
    if (firstPage && byNumber && (!mayAlsoBeName(q) || limit === 1)) {
      return { status: 200, body: { items: [masked(byNumber)], matchedBy: 'customerNo', regions } };
    }
  }
  const leading = firstPage ? byNumber : undefined;

  const pageQuery = {
    namePrefix: q,
    // The number's customer takes one place of the first page.
    limit: limit - (leading ? 1 : 0),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  };
  const page =
    query.region === undefined
      ? await searchByNameAcross({ regions, ...pageQuery })
      : { ...(await searchByName({ region: query.region, ...pageQuery })), regions };
  const named = page.items.filter(
    (c) => canSeeCustomer(req.actor, c) && c.customerId !== byNumber?.customerId,
  );
  // The number's customer first (the import and the export read items[0] as the match).
  const items = leading ? [leading, ...named] : named;
  return {
    status: 200,
    body: {
      items: items.map(masked),
      matchedBy: leading ? 'customerNo' : 'name',
      regions: page.regions,
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    },
  };
});
