import { apiHandler } from '../http/api.ts';
import { handoverWithLink } from '../services/handover-links.ts';

/**
 * `GET /handovers/{handoverId}` (archivists; rule `own-handover`, which has read the package):
 * its state, and once READY a download link, audited before it is handed out
 * (services/handover-links.ts). A function of its own: it carries the S3 client to sign links,
 * `handovers` the Step Functions client to start builds, and neither bundle carries both.
 */
export const handler = apiHandler(
  'handovers-get',
  'GET /handovers/{handoverId}',
  async function handleHandover(req) {
    return { status: 200, body: await handoverWithLink(req.actor, req.records.handover, req.requestId) };
  },
);
