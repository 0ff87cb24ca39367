import {
  decodeListCursor,
  encodeListCursor,
  getCustomerNames,
  getSubmissions,
  queryClerkSubmissions,
} from '../adapters/submissions-list.ts';
import { mayAccessRegion } from '../core/regions.ts';
import {
  DEFAULT_LIST_LIMIT,
  fillPage,
  type ListPosition,
  listQuerySchema,
  submissionListItem,
} from '../core/submission-list.ts';
import type { Submission } from '../core/submissions.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** Index entries one request looks at, at most, when a status filter thins the list out. */
const MAX_ROUNDS = 10;
const KEYS_PER_ROUND = 100;

/**
 * `GET /submissions?status=&limit=&cursor=`: the calling clerk's own submissions, newest first,
 * each with its status, business event, customer, number of documents and, when rejected, the
 * reason. A status filter may leave a page short (or empty) with a `nextCursor` when many
 * submissions were looked at without filling it; the list ends when there is no `nextCursor`.
 */
export const handler = apiHandler('submissions-list', async function handleSubmissionsList({ actor, query }) {
  const q = parseInput(listQuerySchema, query, 'query');
  const limit = q.limit ?? DEFAULT_LIST_LIMIT;
  let after = q.cursor === undefined ? undefined : decodeListCursor(actor.sub, q.cursor, q.status);
  const page: Submission[] = [];
  let next: ListPosition | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const room = limit - page.length;
    // Without a filter every entry fills the page; with one, read ahead in larger steps.
    const ask = q.status === undefined ? room : KEYS_PER_ROUND;
    const index = await queryClerkSubmissions(actor.sub, ask, after);
    const candidates = await getSubmissions(index.positions.map((p) => p.submissionId));
    const { taken, full } = fillPage(candidates, q.status, room);
    page.push(...taken);
    const last = index.positions.at(-1);
    if (full) {
      const endOfList = !index.more && last?.submissionId === full.submissionId;
      next = endOfList ? undefined : full;
      break;
    }
    if (!index.more || !last) {
      next = undefined;
      break;
    }
    after = last;
    next = last;
  }
  const names = await getCustomerNames(page.map((s) => s.customerId));
  const items = page.map((s) => {
    const c = names.get(s.customerId);
    // A customer outside the caller's regions keeps its number but not its name.
    const shown = c && mayAccessRegion(actor, c.region) ? { customerId: s.customerId, ...c } : undefined;
    return submissionListItem(s, shown);
  });
  return {
    status: 200,
    body: {
      items,
      ...(next === undefined ? {} : { nextCursor: encodeListCursor(actor.sub, next, q.status) }),
    },
  };
});
