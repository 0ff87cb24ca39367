/**
 * The local Step Functions endpoint verifies Signature Version 4 on every request, as the local S3
 * does, and refuses a bad one in the AWS JSON error shape (`__type`, `message`, HTTP 403) without
 * doing anything.
 *
 * Besides the SDK client, requests are built as the AWS CLI v1 builds them (botocore: content-type,
 * host, x-amz-date and x-amz-target signed, the body hashed, no x-amz-content-sha256), signed by
 * the SDK's own SignatureV4: CI does not install the AWS CLI, so the CLI itself is not run here.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSfnServer, startSfnServer } from '../../infra/local/sfn/server.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const KEY = 'AKIDLOCALSFN';
const SECRET = 'local/secret+key';
const MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:pass`;

/** SHA-256 and HMAC-SHA256 for SignatureV4, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

let server: LocalSfnServer;
let dataDir: string;
let client: SFNClient;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dangan-sfn-sigv4-'));
  server = await startSfnServer({
    dataDir,
    region: REGION,
    accountId: ACCOUNT,
    credentials: { [KEY]: SECRET },
    stateMachines: [
      {
        name: 'pass',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      },
    ],
    invokeLambda: async () => ({}),
  });
  client = sdkClient(SECRET);
});

afterAll(async () => {
  client.destroy();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function sdkClient(secretAccessKey: string, accessKeyId = KEY): SFNClient {
  return new SFNClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

interface Signing {
  operation: string;
  body: string;
  key?: string;
  secret?: string;
  region?: string;
  service?: string;
  signingDate?: Date;
  headers?: Record<string, string>;
}

function signer(s: Omit<Signing, 'operation' | 'body'> = {}): SignatureV4 {
  return new SignatureV4({
    service: s.service ?? 'states',
    region: s.region ?? REGION,
    credentials: { accessKeyId: s.key ?? KEY, secretAccessKey: s.secret ?? SECRET },
    sha256: Sha256,
    applyChecksum: false,
  });
}

/** A request shaped as the AWS CLI v1 sends it to Step Functions, not signed yet. */
function cliShaped(operation: string, body: string, headers: Record<string, string> = {}): HttpRequest {
  const url = new URL(server.url);
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      host: url.host,
      'x-amz-target': `AWSStepFunctions.${operation}`,
      ...headers,
    },
    body,
  };
}

/** That request signed by SignatureV4 as the CLI signs it. */
function cliRequest(s: Signing): Promise<HttpRequest> {
  return signer(s).sign(cliShaped(s.operation, s.body, s.headers), { signingDate: s.signingDate });
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** Sends the request as it is (headers, body), or with another body. */
function send(req: HttpRequest, body: string = req.body as string): Promise<Answer> {
  const query = new URLSearchParams(req.query as Record<string, string>).toString();
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        host: req.hostname,
        port: req.port,
        method: req.method,
        path: query ? `${req.path}?${query}` : req.path,
        headers: req.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

async function executions(): Promise<number> {
  const out = await client.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }));
  return out.executions?.length ?? 0;
}

const start = (input: unknown) => JSON.stringify({ stateMachineArn: MACHINE, input: JSON.stringify(input) });

describe('the local Step Functions endpoint verifies SigV4', () => {
  it('answers the SDK client signed with the local credentials', async () => {
    const out = await client.send(new ListStateMachinesCommand({}));
    expect(out.stateMachines?.map((m) => m.stateMachineArn)).toEqual([MACHINE]);
  });

  it('answers requests built and signed as the AWS CLI v1 builds them', async () => {
    const list = await send(await cliRequest({ operation: 'ListStateMachines', body: '{}' }));
    expect(list.status).toBe(200);
    expect((list.json.stateMachines as { name: string }[]).map((m) => m.name)).toEqual(['pass']);

    const before = await executions();
    const started = await send(
      await cliRequest({ operation: 'StartExecution', body: start({ 名: '档案 1' }) }),
    );
    expect(started.status).toBe(200);
    expect(started.json.executionArn).toMatch(/:execution:pass:/);
    expect(await executions()).toBe(before + 1);
  });

  it('answers a presigned request', async () => {
    const presigned = await signer().presign(
      cliShaped('ListStateMachines', '{}'),
      // x-amz-target stays a header, where the JSON protocol reads the operation; it is signed.
      { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-target']) },
    );
    expect(presigned.headers.authorization).toBeUndefined();
    const answer = await send(presigned);
    expect(answer.status).toBe(200);
    expect(answer.json.stateMachines).toHaveLength(1);
    // The same URL with another secret's signature is refused.
    const forged = { ...presigned.query, 'X-Amz-Signature': '0'.repeat(64) };
    expect((await send({ ...presigned, query: forged })).json.__type).toBe('InvalidSignatureException');
  });

  it('refuses a wrong secret with 403 InvalidSignatureException, and starts nothing', async () => {
    const before = await executions();
    const wrong = sdkClient('not-the-secret');
    try {
      const error = await wrong
        .send(new StartExecutionCommand({ stateMachineArn: MACHINE, input: '{}' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SFNServiceException);
      expect((error as SFNServiceException).name).toBe('InvalidSignatureException');
      expect((error as SFNServiceException).$metadata.httpStatusCode).toBe(403);
      expect((error as SFNServiceException).message).toMatch(
        /^The request signature we calculated does not match the signature you provided/,
      );
    } finally {
      wrong.destroy();
    }

    const raw = await send(
      await cliRequest({ operation: 'StartExecution', body: start({ a: 1 }), secret: 'not-the-secret' }),
    );
    expect(raw.status).toBe(403);
    expect(raw.json.__type).toBe('InvalidSignatureException');
    expect(raw.json.message).toContain(`/${REGION}/states/aws4_request`);
    expect(await executions()).toBe(before);
  });

  it('refuses an unknown access key with 403 UnrecognizedClientException', async () => {
    const stranger = sdkClient(SECRET, 'AKIDSOMEONEELSE');
    try {
      const error = await stranger.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
      expect((error as SFNServiceException).name).toBe('UnrecognizedClientException');
      expect((error as SFNServiceException).$metadata.httpStatusCode).toBe(403);
    } finally {
      stranger.destroy();
    }
    const raw = await send(
      await cliRequest({ operation: 'ListStateMachines', body: '{}', key: 'AKIDNOBODY' }),
    );
    expect(raw).toEqual({
      status: 403,
      json: {
        __type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
    });
  });

  it('refuses a body other than the one signed, and starts nothing', async () => {
    const before = await executions();
    const signed = await cliRequest({ operation: 'StartExecution', body: start({ amount: 1 }) });
    const tampered = await send(signed, start({ amount: 1000 }));
    expect(tampered.status).toBe(403);
    expect(tampered.json.__type).toBe('InvalidSignatureException');

    // A declared x-amz-content-sha256 is no way around it: the hash is taken of the body received.
    const declared = createHash('sha256')
      .update(start({ amount: 1 }))
      .digest('hex');
    const withHeader = await cliRequest({
      operation: 'StartExecution',
      body: start({ amount: 1 }),
      headers: { 'x-amz-content-sha256': declared },
    });
    expect((await send(withHeader, start({ amount: 1000 }))).json.__type).toBe('InvalidSignatureException');
    expect((await send(withHeader)).status).toBe(200);
    expect(await executions()).toBe(before + 1);
  });

  it('refuses a request without an Authorization header with 403 MissingAuthenticationTokenException', async () => {
    const before = await executions();
    const signed = await cliRequest({ operation: 'StartExecution', body: start({}) });
    const { authorization: _, ...headers } = signed.headers;
    const answer = await send({ ...signed, headers });
    expect(answer).toEqual({
      status: 403,
      json: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    });
    expect(await executions()).toBe(before);
  });

  it('refuses a scope for another region or service, and an incomplete Authorization header', async () => {
    const scopes: [Partial<Signing>, string][] = [
      [{ region: 'us-east-1' }, "Credential should be scoped to a valid region, not 'us-east-1'. "],
      [{ service: 'lambda' }, "Credential should be scoped to correct service: 'states'. "],
    ];
    for (const [scope, message] of scopes) {
      const answer = await send(await cliRequest({ operation: 'ListStateMachines', body: '{}', ...scope }));
      expect(answer).toEqual({ status: 403, json: { __type: 'InvalidSignatureException', message } });
    }

    const signed = await cliRequest({ operation: 'ListStateMachines', body: '{}' });
    const authorization = (signed.headers.authorization as string).replace(/,\s*Signature=[0-9a-f]+/, '');
    const incomplete = await send({ ...signed, headers: { ...signed.headers, authorization } });
    expect(incomplete.status).toBe(403);
    expect(incomplete.json.__type).toBe('IncompleteSignatureException');
    expect(incomplete.json.message).toMatch(/^Authorization header requires 'Signature' parameter\./);
  });

  it('refuses a signature more than 15 minutes old or ahead', async () => {
    const signedMinutesFromNow = async (minutes: number) =>
      send(
        await cliRequest({
          operation: 'ListStateMachines',
          body: '{}',
          signingDate: new Date(Date.now() + minutes * 60_000),
        }),
      );
    const old = await signedMinutesFromNow(-20);
    expect(old.status).toBe(403);
    expect(old.json.__type).toBe('InvalidSignatureException');
    expect(old.json.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/);
    const ahead = await signedMinutesFromNow(20);
    expect(ahead.status).toBe(403);
    expect(ahead.json.__type).toBe('InvalidSignatureException');
    expect(ahead.json.message).toMatch(/^Signature not yet current: /);
    expect((await signedMinutesFromNow(-10)).status).toBe(200);
    expect((await signedMinutesFromNow(10)).status).toBe(200);
  });
});
