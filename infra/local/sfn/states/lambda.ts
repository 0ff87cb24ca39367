/**
 * Calling a Lambda function from a Task: the function ARN from a name, the call itself with its
 * errors named as Step Functions names them, and the result shape of the optimized
 * `lambda:invoke` integration.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from '../jsonpath.ts';

export type Settled = { ok: true; value: Json } | { ok: false; error: string; cause: string };

/** The ARN of a function given by name, partial ARN or ARN, with an optional qualifier. */
export function functionArn(region: string, accountId: string, name: string, qualifier?: Json): string {
  let arn: string;
  if (name.startsWith('arn:')) arn = name;
  else if (/^\d{12}:function:/.test(name)) arn = `arn:aws:lambda:${region}:${name}`;
  else arn = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  if (typeof qualifier === 'string' && arn.split(':').length === 7) arn += `:${qualifier}`;
  return arn;
}

/** A function result as JSON; raw response bytes are decoded like Lambda's Payload. */
function toJson(v: unknown): Json {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) {
    const text = Buffer.from(v).toString('utf8');
    if (!text) return null;
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** Invokes the function; a thrown error becomes its errorType (Lambda.<Name> for service errors). */
export async function invoke(
  invokeLambda: (functionArn: string, payload: unknown) => Promise<unknown>,
  fnArn: string,
  payload: Json,
): Promise<Settled> {
  try {
    return { ok: true, value: toJson(await invokeLambda(fnArn, payload)) };
  } catch (e) {
    const err = (typeof e === 'object' && e !== null ? e : {}) as {
      name?: unknown;
      message?: unknown;
      errorType?: unknown;
      errorMessage?: unknown;
      $metadata?: unknown;
    };
    const errorType =
      typeof err.errorType === 'string' && err.errorType
        ? err.errorType
        : typeof err.name === 'string' && err.name
          ? err.name
          : 'Error';
    const errorMessage =
      typeof err.errorMessage === 'string'
        ? err.errorMessage
        : typeof err.message === 'string'
          ? err.message
          : String(e);
    // Errors raised by the Lambda service itself (SDK exceptions) surface as Lambda.<Name>.
    const error = err.$metadata !== undefined ? `Lambda.${errorType}` : errorType;
    return { ok: false, error, cause: JSON.stringify({ errorType, errorMessage }) };
  }
}

/** The result of `arn:aws:states:::lambda:invoke`: the payload with the invocation's metadata. */
export function invokeResult(payload: Json): Json {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-RequestId': [requestId],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
        'Content-Type': 'application/json',
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
