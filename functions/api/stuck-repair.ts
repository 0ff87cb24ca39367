import { BadRequest } from '../core/errors.ts';
import { WATCHED_KINDS, type WatchedKind } from '../core/workflow-health.ts';
import { apiHandler } from '../http/api.ts';
import { repairStuck } from '../services/stuck-repair.ts';

/**
 * `POST /stuck/{kind}/{recordId}/repair` (archivists): ends the wait of a record the hourly check
 * found stuck, with the step its workflow would have ended it with (services/stuck-repair.ts).
 */
export const handler = apiHandler(
  'stuck-repair',
  async function repairStuckRecord({ actor, path, requestId }) {
    const kind = path.kind ?? '';
    const recordId = path.recordId ?? '';
    if (!WATCHED_KINDS.includes(kind as WatchedKind)) {
      throw new BadRequest(`kind must be one of ${WATCHED_KINDS.join(', ')}, not ${kind}`, [
        { path: 'kind', message: `one of ${WATCHED_KINDS.join(', ')}` },
      ]);
    }
    return { status: 200, body: await repairStuck(kind as WatchedKind, recordId, actor, requestId) };
  },
);
