import { holdInputSchema } from '../core/disposal.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseRequiredBody } from '../http/api.ts';
import { placeDocumentHold } from '../services/holds.ts';

/**
 * `POST /documents/{documentId}/holds {reason}` (archivist): a hold (冻结 / legal hold) stops the
 * document's disposal whatever its retention says (services/holds.ts). Only archived documents
 * that are not being destroyed can be held.
 */
async function handleHoldsCreate({ actor, body, path, requestId }: ApiRequest): Promise<ApiResponse> {
  const input = parseRequiredBody(holdInputSchema, body, '{"reason": "..."}', 'reason');
  const hold = await placeDocumentHold({
    documentId: path.documentId ?? '',
    reason: input.reason,
    actor,
    requestId,
  });
  return { status: 201, body: hold };
}

export const handler = apiHandler('holds-create', handleHoldsCreate);
