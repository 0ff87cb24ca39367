/**
 * Meters for the local system, loaded into its process with `node --import` (bench only; the
 * system itself has no benchmark code). While recording it keeps:
 *
 * - every Lambda invocation: function, duration, outcome (wrapping the local Lambda runtime);
 * - DynamoDB capacity per function and operation: a middleware on the functions' shared client
 *   asks each command for `ReturnConsumedCapacity: INDEXES` and keeps DynamoDB Local's answer,
 *   except for TransactWriteItems, whose figures DynamoDB Local does not model (it reports four
 *   units per table whatever the items): those are computed from the items' before and after
 *   images read around the call (`transactWriteUnits` in cost.ts), and the time spent reading
 *   them is taken off the invocation's duration;
 * - every HTTP request any server of the process answered (API gateway, local S3, Step
 *   Functions), as an access log;
 * - the bytes each function wrote to stdout (its log lines, CloudWatch Logs on AWS).
 *
 * The bench process reads and resets the meters over HTTP on `DANGAN_BENCH_PROBE_PORT`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDef } from '../functions/adapters/tables.ts';
import type { FunctionName } from '../functions/catalog.ts';
import { loadCredentials } from '../infra/local/data-dir.ts';
import { localTableName } from '../infra/local/dynamodb.ts';
import { functionModuleUrl } from '../infra/local/function-scope.ts';
import { LocalLambda } from '../infra/local/lambda.ts';
import { PROJECT_ROOT } from '../infra/shared.ts';
import {
  type AttributeValue,
  consumedUnits,
  type Item,
  READ_OPS,
  type TransactAction,
  transactWriteUnits,
  WRITE_OPS,
} from './cost.ts';
import {
  type CapacityRecord,
  type HttpRecord,
  type InvocationRecord,
  PROBE_PORT_ENV,
  type ProbeState,
} from './meters.ts';

interface InvocationContext {
  fn: string;
  probeMs: number;
}

const als = new AsyncLocalStorage<InvocationContext>();
let recording = false;
let invocations: InvocationRecord[] = [];
let capacity = new Map<string, CapacityRecord>();
let accessLog: HttpRecord[] = [];
let logBytes: Record<string, number> = {};
const completed: Record<string, number> = {};
const succeeded: Record<string, number> = {};
const inflight: Record<string, number> = {};

function reset(): void {
  invocations = [];
  capacity = new Map();
  accessLog = [];
  logBytes = {};
}

// ---- Lambda invocations -----------------------------------------------------------------------

const invoke = LocalLambda.prototype.invoke;
const instrumented = new Map<string, Promise<void>>();

LocalLambda.prototype.invoke = async function (this: LocalLambda, nameOrArn: string, payload: unknown) {
  let name: string;
  try {
    name = this.resolve(nameOrArn);
  } catch {
    return invoke.call(this, nameOrArn, payload);
  }
  // The handlers' environment is complete once the runtime opens its gate.
  await (this as unknown as { gate: Promise<void> }).gate;
  // Each function has its own clients (infra/local/function-scope.ts): each is metered.
  let clientsReady = instrumented.get(name);
  if (!clientsReady) {
    clientsReady = instrumentClients(name as FunctionName);
    instrumented.set(name, clientsReady);
  }
  await clientsReady;
  const ctx: InvocationContext = { fn: name, probeMs: 0 };
  inflight[name] = (inflight[name] ?? 0) + 1;
  const started = performance.now();
  let error: string | undefined;
  try {
    return await als.run(ctx, () => invoke.call(this, nameOrArn, payload));
  } catch (err) {
    error = (err as Error).name || 'Error';
    throw err;
  } finally {
    const ms = performance.now() - started - ctx.probeMs;
    inflight[name] = (inflight[name] ?? 1) - 1;
    completed[name] = (completed[name] ?? 0) + 1;
    if (error === undefined) succeeded[name] = (succeeded[name] ?? 0) + 1;
    if (recording) invocations.push({ fn: name, ms, ok: error === undefined, ...(error ? { error } : {}) });
  }
};

// ---- DynamoDB capacity ------------------------------------------------------------------------

/** The data directory of the system this probe is loaded into (its `--data-dir`, as main.ts reads it). */
function dataDirOfThisProcess(): string {
  const at = process.argv.indexOf('--data-dir');
  const dir = at >= 0 ? process.argv[at + 1] : process.env.DANGAN_DATA_DIR;
  return dir ?? join(PROJECT_ROOT, '.data');
}

const tableByName = new Map<string, TableDef>(TABLES.map((t) => [localTableName(t), t]));
let reader: DynamoDBClient | undefined;

type Loose = Record<string, unknown>;

/** A key attribute as the wire shape, whether the command used the document client or not. */
const wire = (v: unknown): AttributeValue =>
  typeof v === 'string' ? { S: v } : typeof v === 'number' ? { N: String(v) } : (v as AttributeValue);

function keyOf(def: TableDef, source: Loose): Item {
  return {
    [def.partitionKey.name]: wire(source[def.partitionKey.name]),
    [def.sortKey.name]: wire(source[def.sortKey.name]),
  };
}

interface TransactTarget {
  action: TransactAction;
  table: string;
  key: Item;
}

function transactTargets(input: Loose): TransactTarget[] {
  const out: TransactTarget[] = [];
  for (const entry of (input.TransactItems as Loose[] | undefined) ?? []) {
    for (const action of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const) {
      const body = entry[action] as Loose | undefined;
      if (!body) continue;
      const table = String(body.TableName);
      const def = tableByName.get(table);
      if (!def) continue;
      const source = (action === 'Put' ? body.Item : body.Key) as Loose;
      out.push({ action, table, key: keyOf(def, source) });
    }
  }
  return out;
}

async function images(targets: TransactTarget[]): Promise<(Item | undefined)[]> {
  // The item images are read as the local administrator, not as the function being metered.
  reader ??= new DynamoDBClient({ credentials: loadCredentials(dataDirOfThisProcess()) });
  const client = reader;
  return Promise.all(
    targets.map(async (t) => {
      const res = await client.send(
        new GetItemCommand({
          TableName: t.table,
          Key: t.key as GetItemCommandInput['Key'],
          ConsistentRead: true,
        }),
      );
      return res.Item as Item | undefined;
    }),
  );
}

function addCapacity(fn: string, op: string, read: number, write: number, failed: boolean): void {
  if (!recording) return;
  const key = `${fn}|${op}`;
  let rec = capacity.get(key);
  if (!rec) {
    rec = { fn, op, calls: 0, failed: 0, read: 0, write: 0, refused: 0 };
    capacity.set(key, rec);
  }
  rec.calls++;
  if (failed) {
    rec.failed++;
    rec.refused += read + write;
  }
  rec.read += read;
  rec.write += write;
}

async function instrumentClients(fn: FunctionName): Promise<void> {
  const { dynamodb } = (await import(
    functionModuleUrl(fn, join(PROJECT_ROOT, 'functions', 'adapters', 'clients.ts'))
  )) as typeof import('../functions/adapters/clients.ts');
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      if (!recording || !(READ_OPS.has(op) || WRITE_OPS.has(op))) return next(args);
      const fn = als.getStore()?.fn ?? '(none)';
      const input = { ...(args.input as Loose), ReturnConsumedCapacity: 'INDEXES' };
      const targets = op === 'TransactWriteItems' ? transactTargets(input) : [];
      const ctx = als.getStore();
      const timed = async <T>(work: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
          return await work();
        } finally {
          if (ctx) ctx.probeMs += performance.now() - t0;
        }
      };
      const before = targets.length > 0 ? await timed(() => images(targets)) : [];
      const transactUnits = async (): Promise<number> => {
        const after = await timed(() => images(targets));
        let units = 0;
        targets.forEach((t, i) => {
          const def = tableByName.get(t.table) as TableDef;
          const u = transactWriteUnits({
            action: t.action,
            before: before[i],
            after: after[i],
            indexes: def.indexes.map((ix) => ({
              partitionKey: ix.partitionKey.name,
              sortKey: ix.sortKey.name,
              projection: ix.projection,
              tableKeys: [def.partitionKey.name, def.sortKey.name],
            })),
          });
          units += u.table + u.indexes;
        });
        return units;
      };
      try {
        const result = await next({ ...args, input });
        if (op === 'TransactWriteItems') {
          addCapacity(fn, op, 0, await transactUnits(), false);
        } else {
          const units = consumedUnits((result.output as unknown as Loose).ConsumedCapacity, op);
          addCapacity(fn, op, units?.read ?? 0, units?.write ?? 0, false);
        }
        return result;
      } catch (err) {
        // A refused write (failed condition, cancelled transaction) is still billed.
        if (op === 'TransactWriteItems') addCapacity(fn, op, 0, await transactUnits(), true);
        else if (WRITE_OPS.has(op)) addCapacity(fn, op, 0, 1, true);
        else addCapacity(fn, op, 0.5, 0, true);
        throw err;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity', override: true },
  );
}

// ---- Access log and log bytes -----------------------------------------------------------------

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'request' && recording) {
    const [req, res] = args as [IncomingMessage, ServerResponse];
    const port = req.socket.localPort ?? 0;
    if (port !== probePort) {
      res.once('finish', () => {
        if (!recording) return;
        accessLog.push({
          port,
          method: req.method ?? '',
          url: req.url ?? '',
          copySource: req.headers['x-amz-copy-source'] !== undefined,
          status: res.statusCode,
        });
      });
    }
  }
  return Reflect.apply(serverEmit, this, [event, ...args]) as boolean;
} as typeof http.Server.prototype.emit;

const stdoutWrite = process.stdout.write;
process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
  const fn = als.getStore()?.fn;
  if (recording && fn !== undefined) {
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    logBytes[fn] = (logBytes[fn] ?? 0) + bytes;
  }
  return Reflect.apply(stdoutWrite, this, [chunk, ...rest]) as boolean;
} as typeof process.stdout.write;

// ---- Control --------------------------------------------------------------------------------

function state(): ProbeState {
  return {
    recording,
    invocations,
    capacity: [...capacity.values()],
    http: accessLog,
    logBytes,
    completed,
    succeeded,
    inflight,
  };
}

const probePort = Number(process.env[PROBE_PORT_ENV]);
if (!Number.isInteger(probePort) || probePort <= 0) {
  throw new Error(`${PROBE_PORT_ENV} must name the port the probe listens on`);
}
const control = http.createServer((req, res) => {
  const send = (body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'POST' && req.url === '/record') {
    reset();
    recording = true;
    send({ recording });
  } else if (req.method === 'POST' && req.url === '/stop') {
    recording = false;
    send(state());
  } else if (req.method === 'GET' && req.url === '/state') {
    send(state());
  } else {
    res.writeHead(404);
    res.end();
  }
});
control.listen(probePort, '127.0.0.1');
control.unref();
