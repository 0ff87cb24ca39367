import type { Actor } from './roles.ts';

/**
 * Region scoping: which customers, and which records concerning customers, a person reaches. The
 * security administrator limits an account to regions; an account without regions serves every
 * region. Pure and dependency-free, so every function that narrows by region carries only this.
 */

/** Region of customers registered without one; also the region searched when none is given. */
export const DEFAULT_REGION = 'DEFAULT';

/**
 * Regions whose customers the actor may see and change: the regions the security administrator
 * set on their account (the chain puts them on the actor), or every region when none are set.
 * Search, get, create and update follow, because they all ask through `mayAccessRegion` /
 * `canSeeCustomer` (core/customers.ts).
 */
export function visibleRegions(actor: Actor): 'ALL' | readonly string[] {
  return actor.regions !== undefined && actor.regions.length > 0 ? actor.regions : 'ALL';
}

export function mayAccessRegion(actor: Actor, region: string): boolean {
  const regions = visibleRegions(actor);
  return regions === 'ALL' || regions.includes(region);
}

/**
 * Whether the actor serves every region a record concerns. Tasks, loans and disposal batches
 * carry the regions of the customers they concern, fixed when they were made (a customer moved
 * later does not move an open request). A record naming no region is reached only by those who
 * serve every region: limits fail closed.
 */
export function mayAccessRegions(actor: Actor, regions: readonly string[] | undefined): boolean {
  const mine = visibleRegions(actor);
  if (mine === 'ALL') return true;
  return regions !== undefined && regions.length > 0 && regions.every((r) => mine.includes(r));
}
