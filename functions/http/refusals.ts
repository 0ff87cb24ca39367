import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { appendAuditOnce } from '../adapters/audit.ts';
import { logger } from '../adapters/logger.ts';
import { refusalEventId } from '../core/audit-trail.ts';
import { DomainError, errorMessage, OutOfRegion } from '../core/errors.ts';
import type { Actor } from '../core/roles.ts';

/**
 * The audit event of a request the chain refused: a 403 (a role, a record rule or 三员分立 said
 * no) as `access.denied`, a record outside the caller's regions (answered 404) as
 * `access.out-of-region`, each with the record it aimed at (the route's path parameters and the
 * ids it named in the query or body), the reason and where it came from. Written with the id the
 * API's access log uses for the same request (functions/events/access-denied.ts), so the request
 * is recorded once, with the reason only the chain knows.
 */
export async function auditRefusal(
  err: unknown,
  event: Pick<APIGatewayProxyEventV2, 'pathParameters' | 'queryStringParameters' | 'routeKey'> & {
    requestContext?: { timeEpoch?: number; http?: { sourceIp?: string; userAgent?: string } };
  },
  who: Actor | undefined,
  requestId: string,
  body: unknown,
): Promise<void> {
  const outOfRegion = err instanceof OutOfRegion;
  if (!(err instanceof DomainError) || (err.status !== 403 && !outOfRegion)) return;
  const http = event.requestContext?.http;
  try {
    await appendAuditOnce({
      action: outOfRegion ? 'access.out-of-region' : 'access.denied',
      actor: who ?? { sub: 'anonymous', username: 'anonymous', roles: [] },
      targetType: 'route',
      targetId: event.routeKey ?? 'unknown',
      eventId: refusalEventId(requestId),
      // The time API Gateway received the request, which the access log's line carries too
      // (events/access-denied.ts): both writers make the same item, and the second finds it.
      ...(event.requestContext?.timeEpoch
        ? { at: new Date(event.requestContext.timeEpoch).toISOString() }
        : {}),
      requestId,
      details: {
        status: err.status,
        reason: err.message,
        aimedAt: aimedAt(event, body),
        ...(http?.sourceIp ? { ip: http.sourceIp } : {}),
        ...(http?.userAgent ? { userAgent: http.userAgent } : {}),
      },
    });
  } catch (failure) {
    // The refusal stands whether or not its event could be written; the access log still has it.
    logger.error('refused request not audited', { requestId, error: errorMessage(failure) });
  }
}

const AIMED_AT = ['customerId', 'documentId', 'submissionId', 'taskId', 'loanId', 'batchId', 'archiveCode'];

/** What the request named: its path parameters and the ids it gave in the query or body. */
function aimedAt(
  event: Pick<APIGatewayProxyEventV2, 'pathParameters' | 'queryStringParameters'>,
  body: unknown,
): Record<string, string> {
  const named: Record<string, string> = {};
  const take = (source: Record<string, unknown> | undefined | null) => {
    for (const key of AIMED_AT) {
      const v = source?.[key];
      if (typeof v === 'string' && v !== '') named[key] = v.slice(0, 200);
    }
  };
  take(event.pathParameters);
  take(event.queryStringParameters);
  if (body && typeof body === 'object' && !Array.isArray(body)) take(body as Record<string, unknown>);
  return named;
}
