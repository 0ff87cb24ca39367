/**
 * The DynamoDB endpoint everything local talks to: a small proxy in front of DynamoDB Local, which
 * ignores credentials. Each request's Signature Version 4 is verified (signing name `dynamodb`,
 * the body's own SHA-256 as payload hash, as for every JSON-protocol service) and the signer is
 * authorised for what the request does: the action from `X-Amz-Target`, on the table or index ARN
 * from the body, a batch or transaction checked per table and per kind of write, the streams API
 * on the stream ARN. An allowed request is forwarded unchanged and its answer passed back; a
 * refused one is answered as DynamoDB answers it (HTTP 400, `AccessDeniedException`, or the
 * signature errors of the AWS JSON protocols) and never reaches the tables.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sfnRefusal } from './sfn/auth.ts';
import { ApiError } from './sfn/errors.ts';
import { sha256Hex, verifySigV4 } from './sigv4.ts';

export interface DynamoDbAccessRequest {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

export type DynamoDbAuthorizer = (
  accessKeyId: string,
  requests: DynamoDbAccessRequest[],
) => Promise<string | undefined>;

export interface DynamoDbProxyOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** DynamoDB Local's own URL. */
  upstream: string;
  region: string;
  accountId: string;
  /** Access key id → secret access key. */
  credentials: Readonly<Record<string, string>>;
  authorize: DynamoDbAuthorizer;
}

export interface RunningDynamoDbProxy {
  url: string;
  stop(): Promise<void>;
}

type Body = Record<string, unknown>;

/** The IAM requests of one DynamoDB or DynamoDB Streams API call. */
export function dynamoDbAccessRequests(
  target: string,
  body: Body,
  region: string,
  accountId: string,
): DynamoDbAccessRequest[] {
  const [api = '', operation = ''] = target.split('.');
  const action = `dynamodb:${operation}`;
  const tableArn = (name: unknown) => {
    const text = String(name ?? '');
    return text.startsWith('arn:') ? text : `arn:aws:dynamodb:${region}:${accountId}:table/${text}`;
  };
  if (api.startsWith('DynamoDBStreams')) {
    return [{ action, resource: typeof body.StreamArn === 'string' ? body.StreamArn : '*' }];
  }
  const perTable = (items: unknown, as: string) =>
    Object.keys((items ?? {}) as Body).map((table) => ({ action: as, resource: tableArn(table) }));
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return perTable(body.RequestItems, action);
    case 'TransactGetItems':
    case 'TransactWriteItems': {
      const kinds: Record<string, string> = {
        Get: 'dynamodb:GetItem',
        Put: 'dynamodb:PutItem',
        Update: 'dynamodb:UpdateItem',
        Delete: 'dynamodb:DeleteItem',
        ConditionCheck: 'dynamodb:ConditionCheckItem',
      };
      return ((body.TransactItems ?? []) as Body[]).flatMap((item) =>
        Object.entries(item).map(([kind, spec]) => ({
          action: kinds[kind] ?? `dynamodb:${kind}`,
          resource: tableArn((spec as Body).TableName),
        })),
      );
    }
    case 'ListTables':
      return [{ action, resource: '*' }];
  }
  if (body.TableName === undefined) return [{ action, resource: '*' }];
  const index = typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
  const context: Record<string, string> = {};
  for (const [field, key] of [
    ['Select', 'dynamodb:Select'],
    ['ReturnValues', 'dynamodb:ReturnValues'],
    ['ReturnConsumedCapacity', 'dynamodb:ReturnConsumedCapacity'],
  ] as const) {
    if (typeof body[field] === 'string') context[key] = body[field] as string;
  }
  return [{ action, resource: `${tableArn(body.TableName)}${index}`, context }];
}

function send(res: ServerResponse, type: string, message: string, status = 400): void {
  const text = JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

async function handle(opts: DynamoDbProxyOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  let signer: string;
  try {
    signer = verifySigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', rawHeaders: req.rawHeaders },
      {
        service: 'dynamodb',
        region: opts.region,
        credentials: opts.credentials as Record<string, string>,
        now: Date.now(),
        payloadHash: () => sha256Hex(raw),
        // The AWS JSON protocols word these refusals alike; DynamoDB answers them with 400.
        refuse: sfnRefusal,
      },
    ).accessKeyId;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    send(res, e.type, e.message);
    return;
  }
  let body: Body = {};
  try {
    const text = raw.toString('utf8');
    body = text.trim() ? (JSON.parse(text) as Body) : {};
  } catch {
    send(res, 'SerializationException', 'Request body is not valid JSON');
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const refused = await opts.authorize(
    signer,
    dynamoDbAccessRequests(target, body, opts.region, opts.accountId),
  );
  if (refused !== undefined) {
    send(res, 'AccessDeniedException', refused);
    return;
  }
  const upstream = new URL(opts.upstream);
  // The answer is read whole before it is passed on: if DynamoDB Local's connection fails on the
  // way (a kept-alive socket it just closed), the caller gets a 500 its SDK retries, as it would
  // retry the reset itself, never half an answer.
  const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
    (resolve, reject) => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (reply) => {
          const parts: Buffer[] = [];
          reply.on('data', (part: Buffer) => parts.push(part));
          reply.on('end', () =>
            resolve({ status: reply.statusCode ?? 500, headers: reply.headers, body: Buffer.concat(parts) }),
          );
          reply.on('error', reject);
        },
      );
      forward.on('error', reject);
      forward.end(raw);
    },
  ).catch((e: unknown) => e as Error);
  if (answer instanceof Error) {
    send(res, 'InternalServerError', `DynamoDB Local did not answer: ${answer.message}`, 500);
    return;
  }
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

export async function startDynamoDbProxy(opts: DynamoDbProxyOptions): Promise<RunningDynamoDbProxy> {
  const server = createServer((req, res) => {
    handle(opts, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 'InternalServerError', String(e), 500);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = opts.host.includes(':')
    ? `[${opts.host}]`
    : opts.host === '0.0.0.0'
      ? '127.0.0.1'
      : opts.host;
  return {
    url: `http://${urlHost}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
