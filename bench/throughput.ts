/**
 * Throughput and latency: 20 clients each working submissions end to end (draft, presigned
 * uploads, submit, the review decision, until ARCHIVED), polling the API as the console does;
 * documents archived per second over the whole run and each route's latency as the clients saw
 * it. The floor they are compared to is DynamoDB Local's own GetItem latency, measured from the
 * same process in the same run, alone and with the same number of clients.
 */
import { performance } from 'node:perf_hooks';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type Api, declare, put, type Reply, type Submission, type Task } from '../test/e2e/client.ts';
import { type IntakeWorkload, plannedDocs } from './intake.ts';
import { type Summary, summarize } from './stats.ts';
import { routeOf } from './usage.ts';

export interface ThroughputResult {
  clients: number;
  submissions: number;
  documentsArchived: number;
  wallMs: number;
  documentsPerSecond: number;
  /** Latency of each route under load, as the clients saw it. */
  routes: Record<string, Summary>;
  /** The same routes called one at a time on the idle system. */
  idleRoutes: Record<string, Summary>;
  getItem: { idle: Summary; concurrent: Summary };
}

class TimedApi {
  readonly samples = new Map<string, number[]>();
  constructor(private readonly api: Api) {}

  async call<T>(status: number, user: string, method: string, path: string, body?: unknown): Promise<T> {
    await this.api.token(user);
    const t0 = performance.now();
    const r: Reply<T> = await this.api.call<T>(user, method, path, body);
    const ms = performance.now() - t0;
    const route = routeOf(method, path);
    let list = this.samples.get(route);
    if (!list) {
      list = [];
      this.samples.set(route, list);
    }
    list.push(ms);
    if (r.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }
}

const IDLE_CALLS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function oneSubmission(
  api: TimedApi,
  w: IntakeWorkload,
  customerId: string,
  label: string,
): Promise<Submission> {
  const planned = plannedDocs(w, label);
  const created = await api.call<Submission>(201, 'clerk1', 'POST', '/submissions', {
    customerId,
    businessEvent: w.businessEvent,
    documents: planned.map(declare),
  });
  const id = created.submissionId;
  for (const [i, d] of created.documents.entries()) {
    const bytes = planned[i]?.bytes;
    if (!d.upload || !bytes) throw new Error(`document ${i} of ${id} has no upload`);
    const r = await put(d.upload, bytes);
    if (r.status !== 200) throw new Error(`upload: ${r.status} ${r.text}`);
  }
  await poll(`${id} uploaded`, async () => {
    const s = await api.call<Submission>(200, 'clerk1', 'GET', `/submissions/${id}`);
    return s.documents.every((d) => d.status === 'UPLOADED') ? true : undefined;
  });
  await api.call(202, 'clerk1', 'POST', `/submissions/${id}/submit`);
  const task = await poll(`review task of ${id}`, async () => {
    const { items } = await api.call<{ items: Task[] }>(200, 'reviewer1', 'GET', '/tasks');
    return items.find((t) => t.subjectId === id);
  });
  await api.call(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, {
    decision: 'approve',
    comment: '资料齐全',
  });
  return poll(`${id} archived`, async () => {
    const s = await api.call<Submission>(200, 'clerk1', 'GET', `/submissions/${id}`);
    return s.status === 'ARCHIVED' ? s : undefined;
  });
}

async function getItemLatencies(
  dynamodb: DynamoDBClient,
  table: string,
  key: Record<string, { S: string }>,
  clients: number,
  perClient: number,
): Promise<number[]> {
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await dynamodb.send(new GetItemCommand({ TableName: table, Key: key }));
        samples.push(performance.now() - t0);
      }
    }),
  );
  return samples;
}

export async function runThroughput(args: {
  api: Api;
  dynamodb: DynamoDBClient;
  recordsTable: string;
  workload: IntakeWorkload;
  customers: string[];
  clients: number;
  perClient: number;
}): Promise<ThroughputResult> {
  const { clients, perClient, workload } = args;
  const timed = new TimedApi(args.api);
  const started = performance.now();
  const done = await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const mine: Submission[] = [];
      for (let i = 0; i < perClient; i++) {
        mine.push(await oneSubmission(timed, workload, args.customers[c] as string, `tp-${c}-${i}`));
      }
      return mine;
    }),
  );
  const wallMs = performance.now() - started;
  const submissions = done.flat();
  const documentsArchived = submissions.reduce(
    (a, s) => a + s.documents.filter((d) => d.archiveCode).length,
    0,
  );
  const routes = Object.fromEntries([...timed.samples].map(([r, s]) => [r, summarize(s)]));

  // The routes one at a time on the now idle system, then the floor: GetItem alone and with as
  // many clients as the load had.
  const idle = new TimedApi(args.api);
  const sample = submissions[0] as Submission;
  const documentId = sample.documents[0]?.documentId ?? '';
  const customerId = args.customers[0] as string;
  for (let i = 0; i < IDLE_CALLS; i++) {
    await idle.call(200, 'clerk1', 'GET', `/submissions/${sample.submissionId}`);
    await idle.call(200, 'clerk1', 'GET', `/documents/${documentId}`);
    await idle.call(200, 'clerk1', 'GET', `/customers/${customerId}`);
    await idle.call(200, 'reviewer1', 'GET', '/tasks');
  }
  const idleRoutes = Object.fromEntries([...idle.samples].map(([r, s]) => [r, summarize(s)]));
  const key = { pk: { S: `CUSTOMER#${customerId}` }, sk: { S: 'CUSTOMER' } };
  const idleGet = await getItemLatencies(args.dynamodb, args.recordsTable, key, 1, 200);
  const concurrentGet = await getItemLatencies(args.dynamodb, args.recordsTable, key, clients, 50);
  return {
    clients,
    submissions: submissions.length,
    documentsArchived,
    wallMs,
    documentsPerSecond: documentsArchived / (wallMs / 1000),
    routes,
    idleRoutes,
    getItem: { idle: summarize(idleGet), concurrent: summarize(concurrentGet) },
  };
}
