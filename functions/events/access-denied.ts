import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { appendAuditOnce } from '../adapters/audit.ts';
import { logger } from '../adapters/logger.ts';
import { refusalEventId } from '../core/audit-trail.ts';

/**
 * Fed by the API's access log (a CloudWatch Logs subscription on AWS; the local gateway sends the
 * same lines in the same envelope): every request the API refused becomes an audit event, a 401
 * (no token, a bad or expired token, a disabled account) as `access.unauthenticated` and a 403 (a
 * role or record rule said no) as `access.denied`, with the route, the caller where known, the
 * source address and the request id. The event id derives from the request id, so a line
 * delivered twice is recorded once.
 */

interface AccessLine {
  requestId?: string;
  /** When API Gateway received the request, in milliseconds. */
  requestTimeEpoch?: string;
  ip?: string;
  userAgent?: string;
  routeKey?: string;
  status?: string;
  authorizerError?: string;
  sub?: string;
  username?: string;
}

/** The request's time from its line, when the line carries one that reads as milliseconds. */
function requestTimeOf(line: AccessLine): number | undefined {
  const ms = Number(known(line.requestTimeEpoch));
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

const known = (v: string | undefined) => (v === undefined || v === '' || v === '-' ? undefined : v);

export async function handler(event: CloudWatchLogsEvent): Promise<{ recorded: number }> {
  const data = JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
  let recorded = 0;
  for (const entry of data.logEvents ?? []) {
    let line: AccessLine;
    try {
      line = JSON.parse(entry.message) as AccessLine;
    } catch {
      continue;
    }
    if (line.status !== '401' && line.status !== '403') continue;
    const requestId = known(line.requestId) ?? entry.id;
    const sub = known(line.sub);
    const username = known(line.username) ?? sub;
    const eventId = refusalEventId(requestId);
    const written = await appendAuditOnce({
      action: line.status === '401' ? 'access.unauthenticated' : 'access.denied',
      actor: sub
        ? { sub, username: username ?? sub, roles: [] }
        : { sub: 'anonymous', username: 'anonymous', roles: [] },
      targetType: 'route',
      targetId: known(line.routeKey) ?? 'unknown',
      eventId,
      // The request's time, as the function that refused it writes the same event (http/refusals.ts):
      // the same id at the same time is the same item, written once whoever comes first.
      at: new Date(requestTimeOf(line) ?? entry.timestamp).toISOString(),
      requestId,
      details: {
        status: Number(line.status),
        ...(known(line.ip) ? { ip: line.ip } : {}),
        ...(known(line.userAgent) ? { userAgent: line.userAgent } : {}),
        ...(known(line.authorizerError) ? { reason: line.authorizerError } : {}),
      },
    });
    // A log line delivered again finds its event in the trail already.
    if (written) recorded++;
  }
  logger.debug('refused requests audited', { recorded });
  return { recorded };
}
