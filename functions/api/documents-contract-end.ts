import { contractEndSchema } from '../core/disposal.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseRequiredBody } from '../http/api.ts';
import { contractEnded } from '../services/retention-clock.ts';

/**
 * `PUT /documents/{documentId}/contract-end {endedOn}` (clerk, archivist): the contract a
 * document of a CONTRACT_END type belongs to ended; its retention clock starts that day
 * (services/retention-clock.ts).
 */
async function handleContractEnd({ actor, body, path, requestId }: ApiRequest): Promise<ApiResponse> {
  const input = parseRequiredBody(contractEndSchema, body, '{"endedOn": "YYYY-MM-DD"}', 'endedOn');
  const ended = await contractEnded({
    documentId: path.documentId ?? '',
    endedOn: input.endedOn,
    actor,
    requestId,
  });
  return { status: 200, body: ended };
}

export const handler = apiHandler('documents-contract-end', handleContractEnd);
