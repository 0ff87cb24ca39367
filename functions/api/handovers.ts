import type { Handover } from '../core/handovers.ts';
import { apiHandler, type RuledRequest } from '../http/api.ts';
import { handoverWithLink, myHandovers, requestHandover } from '../services/handover-requests.ts';

/**
 * Handover packages (archivists; the console's counterpart of `npm run export`):
 * - `POST /handovers {customers, year?, category?}`: counts the selection (the
 *   `handover-selection` rule has read its customers), refuses one that holds nothing or more
 *   than a package may (core/handovers.ts), records the package and starts its workflow: 202,
 *   BUILDING;
 * - `GET /handovers`: the caller's newest packages;
 * - `GET /handovers/{handoverId}` (rule `own-handover`): one package, with a download link once
 *   READY (services/handover-requests.ts).
 */
export const handler = apiHandler('handovers', async function handleHandovers(req) {
  if (req.routeKey === 'POST /handovers') {
    const { selection, customers } = (req as RuledRequest<'POST /handovers'>).records;
    const handover = await requestHandover(req.actor, selection, customers, req.requestId);
    return {
      status: 202,
      body: { handoverId: handover.handoverId, status: handover.status, bag: handover.bag },
      headers: { location: `/handovers/${handover.handoverId}` },
    };
  }
  if (req.routeKey === 'GET /handovers')
    return { status: 200, body: { items: await myHandovers(req.actor) } };
  const { handover } = (req as RuledRequest<'GET /handovers/{handoverId}'>).records as { handover: Handover };
  return { status: 200, body: await handoverWithLink(req.actor, handover, req.requestId) };
});
