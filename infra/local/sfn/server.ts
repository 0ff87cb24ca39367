/**
 * Local Step Functions endpoint for Dangan. Speaks the AWS JSON 1.0 protocol of the
 * `AWSStepFunctions` service, so `new SFNClient({ endpoint: url })` works against it unchanged.
 * Every request must carry a valid Signature Version 4 by one of `credentials` (auth.ts); one that
 * does not is refused as AWS refuses it, and nothing is done.
 * Executions are durable: they are kept in `dataDir` and continue after a restart.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SfnApi } from './api.ts';
import { type SfnAuthOptions, verifyRequest } from './auth.ts';
import { Engine } from './engine.ts';
import { ApiError } from './errors.ts';
import { isObject, type JsonObject } from './jsonpath.ts';

export interface LocalStateMachine {
  name: string;
  /** ASL JSON, substitutions already applied */
  definition: string;
}

export interface LocalSfnOptions {
  host?: string;
  /** 0 = random */
  port?: number;
  /** executions persisted here */
  dataDir: string;
  /** used to build ARNs: arn:aws:states:{region}:{accountId}:stateMachine:{name} */
  region: string;
  accountId: string;
  /** Access key id → secret access key: the only signers whose requests are accepted. */
  credentials: Record<string, string>;
  /**
   * Decides whether the signer may do what a request asks (`states:<Operation>` on its ARN); a
   * refusal is answered 400 AccessDeniedException and nothing is done. Absent, every verified
   * signer may do everything.
   */
  authorize?: SfnAuthorizer;
  stateMachines: LocalStateMachine[];
  /** for arn:aws:states:::lambda:invoke (FunctionName from Parameters) and plain Lambda ARNs as Resource */
  invokeLambda: (functionArn: string, payload: unknown) => Promise<unknown>;
  /** clock for Wait and timeouts (tests may control it) */
  now?: () => Date;
}

export interface LocalSfnServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** resolves when no execution is actively running a step (all are waiting on a token/timer or finished) */
  idle(): Promise<void>;
}

type Operation = (api: SfnApi, body: JsonObject) => unknown;

export type SfnAuthorizer = (
  accessKeyId: string,
  requests: { action: string; resource: string; unlistedResourceType?: boolean }[],
) => Promise<string | undefined>;

/** The resource IAM authorises an operation on, from its request (`*` when none). */
const RESOURCE_FIELD: Record<string, 'stateMachineArn' | 'executionArn' | undefined> = {
  StartExecution: 'stateMachineArn',
  DescribeStateMachine: 'stateMachineArn',
  ListExecutions: 'stateMachineArn',
  DescribeExecution: 'executionArn',
  StopExecution: 'executionArn',
  GetExecutionHistory: 'executionArn',
  DescribeStateMachineForExecution: 'executionArn',
};

const OPERATIONS: Record<string, Operation> = {
  StartExecution: (a, b) => a.startExecution(b),
  DescribeExecution: (a, b) => a.describeExecution(b),
  StopExecution: (a, b) => a.stopExecution(b),
  ListExecutions: (a, b) => a.listExecutions(b),
  GetExecutionHistory: (a, b) => a.getExecutionHistory(b),
  SendTaskSuccess: (a, b) => a.sendTaskSuccess(b),
  SendTaskFailure: (a, b) => a.sendTaskFailure(b),
  SendTaskHeartbeat: (a, b) => a.sendTaskHeartbeat(b),
  DescribeStateMachine: (a, b) => a.describeStateMachine(b),
  DescribeStateMachineForExecution: (a, b) => a.describeStateMachineForExecution(b),
  ListStateMachines: (a, b) => a.listStateMachines(b),
};

const TARGET_PREFIX = 'AWSStepFunctions.';

export async function startSfnServer(opts: LocalSfnOptions): Promise<LocalSfnServer> {
  const engine = await Engine.open({
    dataDir: opts.dataDir,
    region: opts.region,
    accountId: opts.accountId,
    stateMachines: opts.stateMachines,
    invokeLambda: opts.invokeLambda,
    now: opts.now ?? (() => new Date()),
  });

  const auth = { region: opts.region, credentials: opts.credentials, authorize: opts.authorize };
  const server = createServer((req, res) => {
    handle(engine, auth, req, res).catch((e: unknown) => {
      console.error('[sfn] request failed', e);
      if (!res.headersSent) send(res, 500, { __type: 'InternalFailure', message: String(e) });
    });
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await engine.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    idle: () => engine.idle(),
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await engine.close();
      })();
      return stopping;
    },
  };
}

async function handle(
  engine: Engine,
  auth: Omit<SfnAuthOptions, 'now'> & { authorize?: SfnAuthorizer | undefined },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  let signer: string;
  try {
    const signed = { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders };
    signer = verifyRequest(signed, raw, { ...auth, now: Date.now() });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    sendError(res, e);
    return;
  }
  if (req.method !== 'POST') {
    send(res, 404, { __type: 'UnknownOperationException', message: `${req.method} is not supported` });
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const name = target.slice(TARGET_PREFIX.length);
  const op = target.startsWith(TARGET_PREFIX) ? OPERATIONS[name] : undefined;
  if (!op) {
    send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation '${target}'` });
    return;
  }
  let body: unknown;
  try {
    const text = raw.toString('utf8');
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    send(res, 400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
    return;
  }
  if (!isObject(body)) {
    send(res, 400, { __type: 'SerializationException', message: 'Request body must be a JSON object' });
    return;
  }
  if (auth.authorize) {
    const field = RESOURCE_FIELD[name];
    // The task-token operations are authorised on the state machine of the token's execution,
    // as AWS does (and names in its AccessDenied), though its reference lists no resource type.
    const machine = name.startsWith('SendTask') ? engine.api.stateMachineOfToken(body.taskToken) : undefined;
    const resource = machine ?? (field === undefined ? '*' : String(body[field] ?? ''));
    const refused = await auth.authorize(signer, [
      { action: `states:${name}`, resource, ...(machine ? { unlistedResourceType: true } : {}) },
    ]);
    if (refused !== undefined) {
      send(res, 400, { __type: 'AccessDeniedException', message: refused });
      return;
    }
  }
  try {
    send(res, 200, op(engine.api, body));
  } catch (e) {
    if (e instanceof ApiError) sendError(res, e);
    else throw e;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  send(res, e.status, { __type: e.type, message: e.message });
}
