import { listBatches } from '../adapters/disposal-batches-repo.ts';
import { batchView } from '../core/destruction-list.ts';
import { disposalQuerySchema } from '../core/disposal.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** `GET /disposals?status=&limit=&nextToken=`: disposal batches, newest first. */
export const handler = apiHandler('disposals-list', async function listDisposals({ query }) {
  const q = parseInput(disposalQuerySchema, query);
  const page = await listBatches(
    q.status === undefined ? {} : { status: q.status },
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
