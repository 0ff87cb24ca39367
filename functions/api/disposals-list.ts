import { listBatches } from '../adapters/disposal-batches-repo.ts';
import { batchView } from '../core/destruction-list.ts';
import { type DisposalBatch, disposalQuerySchema } from '../core/disposal.ts';
import { mayAccessRegions } from '../core/regions.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `GET /disposals?status=&limit=&nextToken=`: disposal batches, newest first; for a caller
 * limited to regions, the batches of their regions.
 */
export const handler = apiHandler('disposals-list', async function listDisposals({ actor, query }) {
  const q = parseInput(disposalQuerySchema, query, 'query');
  const visible = (b: DisposalBatch) =>
    mayAccessRegions(actor, b.region === undefined ? undefined : [b.region]);
  const page = await listBatches(
    { ...(q.status === undefined ? {} : { status: q.status }), visible },
    q.limit ?? 50,
    q.nextToken,
  );
  return {
    status: 200,
    body: {
      items: page.items.map(batchView),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    },
  };
});
