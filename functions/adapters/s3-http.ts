import { createHash } from 'node:crypto';
import {
  type AwsCredentials,
  AwsServiceError,
  type HttpAnswer,
  readText,
  regionOf,
  ServiceClock,
  type StreamBody,
  sendSigned,
  withRetries,
} from './aws-http.ts';
import { s3Endpoint, s3Path } from './s3-presign.ts';
import { childText, parseXml, type XmlElement } from './xml.ts';

/**
 * The functions' S3 client: the REST calls of the operations Dangan sends (s3-commands.ts), signed
 * and sent by aws-http.ts. The SDK's S3 client carries the schemas, endpoint rules and XML code of
 * every S3 operation (about 150 KB of each bundle that sends S3 requests, and ~20 ms of CPU at
 * every cold start); this is the part of it Dangan uses, with the same shape
 * (`send(new GetObjectCommand({...}))`, the SDK's input and output member names, errors named by
 * S3's code with `$metadata.httpStatusCode`), so the call sites read as with the SDK and the unit
 * tests' mocks (aws-sdk-client-mock replaces `send`) apply unchanged.
 *
 * As the SDK does: path-style addressing on the regional endpoint or AWS_ENDPOINT_URL_S3, the
 * role's credentials from the SDK's provider chain, three attempts for throttling, 5xx answers and
 * dropped connections (a streamed body is sent once), the clock offset learnt from S3's Date header
 * when it refuses a request as skewed, and an error inside a 200 answer (CopyObject,
 * CompleteMultipartUpload) thrown as an error. Every body is signed (x-amz-content-sha256).
 */

export type { StreamBody };
export type S3Response = HttpAnswer;
export { AwsServiceError as S3ServiceError };

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array | StreamBody;
}

/** One operation: how its input becomes a request and the answer its output. */
export abstract class S3Command<Input, Output> {
  constructor(readonly input: Input) {}
  abstract request(): S3Request;
  abstract output(response: S3Response): Promise<Output>;
}

export interface S3ClientOptions {
  /** Signs with these keys rather than the role's. */
  credentials?: AwsCredentials;
  /** S3's address; by default AWS_ENDPOINT_URL_S3 or the region's endpoint. */
  endpoint?: string;
  region?: string;
}

export class S3Client {
  private readonly clock = new ServiceClock();
  constructor(private readonly options: S3ClientOptions = {}) {}

  send<Input, Output>(command: S3Command<Input, Output>): Promise<Output> {
    const request = command.request();
    const replayable = !(request.body && 'stream' in request.body);
    return withRetries(async () => command.output(await this.exchange(request)), replayable);
  }

  /** Signs and sends one request; an error answer is thrown as an S3ServiceError. */
  private async exchange(request: S3Request): Promise<S3Response> {
    const endpoint = this.options.endpoint ? new URL(this.options.endpoint) : s3Endpoint();
    const answer = await sendSigned({
      service: 's3',
      region: this.options.region ?? regionOf(),
      credentials: this.options.credentials,
      endpoint,
      method: request.method,
      path: s3Path(endpoint, request.bucket, request.key),
      query: request.query,
      headers: { ...request.headers, 'x-amz-content-sha256': payloadHash(request.body) },
      body: request.body,
      signingDate: this.clock.now(),
    });
    if (answer.status < 300) return answer;
    const error = await errorOf(answer);
    this.clock.learn(answer, error);
    throw error;
  }
}

function payloadHash(body: S3Request['body']): string {
  if (body === undefined) return createHash('sha256').digest('hex');
  if ('stream' in body) return body.sha256Hex;
  return createHash('sha256').update(body).digest('hex');
}

/** S3's `<Error>` document as an error; undefined when the document is not one. */
function errorOfDocument(root: XmlElement, status: number, requestId?: string): AwsServiceError | undefined {
  const code = childText(root, 'Code');
  if (root.name !== 'Error' || !code) return undefined;
  return new AwsServiceError(code, childText(root, 'Message') ?? '', status, requestId);
}

/** The error an answer carries: S3's code and message, or (a HEAD has no body) its status's name. */
async function errorOf(answer: S3Response): Promise<AwsServiceError> {
  const text = await readText(answer.body);
  const requestId = answer.headers['x-amz-request-id'] as string | undefined;
  if (text.trim() !== '') {
    try {
      const error = errorOfDocument(parseXml(text), answer.status, requestId);
      if (error) return error;
    } catch {
      // Not S3's XML (a proxy's page): named by the status below.
    }
  }
  const name = STATUS_NAMES[answer.status] ?? `Http${answer.status}`;
  return new AwsServiceError(name, text.slice(0, 200), answer.status, requestId);
}

/** How the SDK names an error answer without a body. */
const STATUS_NAMES: Record<number, string> = {
  301: 'PermanentRedirect',
  304: 'NotModified',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  503: 'ServiceUnavailable',
};

/**
 * The XML document of a 200 answer; S3 may answer 200 and then report an error in the body
 * (CopyObject, CompleteMultipartUpload), which is thrown as it would have been with its status
 * (an InternalError as a 500, so it is tried again).
 */
export async function readResult(response: S3Response): Promise<XmlElement> {
  const root = parseXml(await readText(response.body));
  const status = childText(root, 'Code') === 'InternalError' ? 500 : 400;
  const error = errorOfDocument(root, status, response.headers['x-amz-request-id'] as string | undefined);
  if (error) throw error;
  return root;
}
