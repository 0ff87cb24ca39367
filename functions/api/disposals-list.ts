import { listBatches } from '../adapters/disposal-batches-repo.ts';
import { batchView, type DisposalBatch, disposalQuerySchema } from '../core/disposal.ts';
import { BadRequest } from '../core/errors.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** `GET /disposals?status=&limit=&nextToken=`: disposal batches, newest first. */

function decodeToken(token: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && (key as { gsi1pk?: unknown }).gsi1pk === 'DISPOSALS') {
      return key as Record<string, unknown>;
    }
  } catch {
    // not ours
  }
  throw new BadRequest('nextToken is not a token this API issued', [
    { path: 'nextToken', message: 'invalid' },
  ]);
}

export const handler = apiHandler('disposals-list', async ({ query }) => {
  const q = parseInput(disposalQuerySchema, query);
  const limit = q.limit ?? 50;
  const items: DisposalBatch[] = [];
  let key = q.nextToken ? decodeToken(q.nextToken) : undefined;
  // A status filter can thin a page out; keep reading until the page is full or the list ends.
  for (let page = 0; page < 20; page++) {
    const res = await listBatches(limit - items.length, key);
    items.push(...res.items.filter((b) => q.status === undefined || b.status === q.status));
    key = res.lastKey;
    if (!key || items.length >= limit) break;
  }
  return {
    status: 200,
    body: {
      items: items.map(batchView),
      ...(key ? { nextToken: Buffer.from(JSON.stringify(key)).toString('base64url') } : {}),
    },
  };
});
