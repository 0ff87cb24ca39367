import { batchGetItems } from './dynamo/batch-get.ts';
import { keys } from './dynamo/keys.ts';

/**
 * The region of each of `customerIds` that exists, by id: one BatchGetItem per 100 customers,
 * strongly consistent and projected, for the records that carry their customers' regions.
 */
export async function regionsOfCustomers(customerIds: Iterable<string>): Promise<Map<string, string>> {
  const items = await batchGetItems(
    [...new Set(customerIds)].map((id) => keys.customer(id)),
    { consistent: true, projection: { expression: 'customerId, #region', names: { '#region': 'region' } } },
  );
  const regions = new Map<string, string>();
  for (const item of items) {
    if (typeof item.customerId === 'string' && typeof item.region === 'string') {
      regions.set(item.customerId, item.region);
    }
  }
  return regions;
}
