import { handoverRequestSchema, handoverSelection } from '../core/handover-request.ts';
import { apiHandler, parseRequiredBody } from '../http/api.ts';
import { myHandovers, requestHandover } from '../services/handover-requests.ts';

/**
 * Handover packages (archivists; the console's counterpart of `npm run export`):
 * - `POST /handovers {customers, year?, category?}`: reads the customers it names (those outside
 *   the caller's regions answer as unknown), counts the selection, refuses one that holds nothing
 *   or more than a package may (core/handovers.ts), records the package and starts its workflow:
 *   202, BUILDING. The customers are checked here rather than by a record rule: the rules run in
 *   every API function, and this one route's schema would weigh on all of them;
 * - `GET /handovers`: the caller's newest packages, without links.
 * One package with its download link is `handovers-get`.
 */
export const handler = apiHandler('handovers', async function handleHandovers(req) {
  if (req.routeKey === 'POST /handovers') {
    const input = parseRequiredBody(
      handoverRequestSchema,
      req.body,
      '{customers: [...], year?, category?}',
      'customers',
    );
    const handover = await requestHandover(req.actor, handoverSelection(input), req.requestId);
    return {
      status: 202,
      body: { handoverId: handover.handoverId, status: handover.status, bag: handover.bag },
      headers: { location: `/handovers/${handover.handoverId}` },
    };
  }
  return { status: 200, body: { items: await myHandovers(req.actor) } };
});
