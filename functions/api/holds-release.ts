import { type ApiRequest, type ApiResponse, apiHandler } from '../http/api.ts';
import { releaseDocumentHold } from '../services/holds.ts';

/**
 * `DELETE /documents/{documentId}/holds/{holdId}` (archivist): releases a hold; the last one puts
 * a due-dated document back into the due-date index and takes S3's legal hold off its original,
 * except for permanent records (services/holds.ts).
 */
async function handleHoldsRelease({ actor, path, requestId }: ApiRequest): Promise<ApiResponse> {
  const released = await releaseDocumentHold({
    documentId: path.documentId ?? '',
    holdId: path.holdId ?? '',
    actor,
    requestId,
  });
  return { status: 200, body: released };
}

export const handler = apiHandler('holds-release', handleHoldsRelease);
