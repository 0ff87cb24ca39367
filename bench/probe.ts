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
 * - the same units per partition key: every write is attributed to the table partition it wrote
 *   and to each index partition its item entered, stayed in or left, from the item's images read
 *   around the call (standard writes too; units by the model of `indexWrites` in cost.ts), and
 *   every read to the partitions it asked for (DynamoDB Local's units, shared among a batch's keys);
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
import { BatchGetItemCommand, DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDef } from '../functions/adapters/tables.ts';
import { type FunctionName, TABLE_STREAMS } from '../functions/catalog.ts';
import { loadCredentials } from '../infra/local/data-dir.ts';
import { localTableName } from '../infra/local/dynamodb.ts';
import { functionModuleUrl } from '../infra/local/function-scope.ts';
import { LocalLambda } from '../infra/local/lambda.ts';
import { PROJECT_ROOT } from '../infra/shared.ts';
import {
  type AttributeValue,
  consumedUnits,
  type Item,
  indexWrites,
  itemSize,
  READ_OPS,
  type TransactAction,
  transactWriteUnits,
  WRITE_OPS,
  writeUnits,
} from './cost.ts';
import {
  type CapacityRecord,
  type HttpRecord,
  type InvocationRecord,
  type PartitionLoad,
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
let partitions = new Map<string, PartitionLoad>();
/**
 * Whether a stream batch of several changes is delivered one change at a time while recording:
 * the cost workloads price the stream consumers as at low traffic, where each change arrives in
 * a batch of its own (the local poller, like Lambda under load, batches what has gathered).
 */
let oneChangePerBatch = false;
const STREAM_FUNCTIONS = new Set<string>(TABLE_STREAMS.map((s) => s.function));
const completed: Record<string, number> = {};
const succeeded: Record<string, number> = {};
const inflight: Record<string, number> = {};

function reset(): void {
  invocations = [];
  capacity = new Map();
  accessLog = [];
  logBytes = {};
  partitions = new Map();
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
  const records = (payload as { Records?: unknown[] } | undefined)?.Records;
  if (recording && oneChangePerBatch && STREAM_FUNCTIONS.has(name) && records && records.length > 1) {
    // In order, each its own invocation; a failure throws and the poller delivers the batch again.
    for (const record of records) await this.invoke(nameOrArn, { Records: [record] });
    return undefined;
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

interface WriteTarget {
  action: TransactAction;
  table: string;
  key: Item;
}

function transactTargets(input: Loose): WriteTarget[] {
  const out: WriteTarget[] = [];
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

/** The items a standard write (PutItem, UpdateItem, DeleteItem, BatchWriteItem) names. */
function standardTargets(op: string, input: Loose): WriteTarget[] {
  const one = (action: TransactAction, table: string, source: Loose | undefined): WriteTarget[] => {
    const def = tableByName.get(table);
    return def && source ? [{ action, table, key: keyOf(def, source) }] : [];
  };
  const table = String(input.TableName);
  if (op === 'PutItem') return one('Put', table, input.Item as Loose);
  if (op === 'UpdateItem') return one('Update', table, input.Key as Loose);
  if (op === 'DeleteItem') return one('Delete', table, input.Key as Loose);
  if (op !== 'BatchWriteItem') return [];
  return Object.entries((input.RequestItems as Record<string, Loose[]> | undefined) ?? {}).flatMap(
    ([name, requests]) =>
      requests.flatMap((r) => {
        const put = r.PutRequest as Loose | undefined;
        const del = r.DeleteRequest as Loose | undefined;
        return put ? one('Put', name, put.Item as Loose) : one('Delete', name, del?.Key as Loose);
      }),
  );
}

const text = (v: unknown): string => {
  const w = wire(v);
  return w?.S ?? w?.N ?? JSON.stringify(v);
};

function addPartition(partition: string, read: number, write: number): void {
  let load = partitions.get(partition);
  if (!load) {
    load = { partition, read: 0, write: 0 };
    partitions.set(partition, load);
  }
  load.read += read;
  load.write += write;
}

/**
 * Write units by partition for targets whose images were read before and after the call: the
 * table partition (two units per KB in a transaction, one in a standard write) and each index
 * partition the item touched. Returns the units in all.
 */
function attributeWrites(
  targets: WriteTarget[],
  before: (Item | undefined)[],
  after: (Item | undefined)[],
  transactional: boolean,
): number {
  let total = 0;
  targets.forEach((t, i) => {
    const def = tableByName.get(t.table) as TableDef;
    const observation = {
      action: t.action,
      before: before[i],
      after: after[i],
      indexes: def.indexes.map((ix) => ({
        partitionKey: ix.partitionKey.name,
        sortKey: ix.sortKey.name,
        projection: ix.projection,
        ...(ix.nonKeyAttributes ? { nonKeyAttributes: ix.nonKeyAttributes } : {}),
        tableKeys: [def.partitionKey.name, def.sortKey.name],
      })),
    };
    const size = Math.max(itemSize(before[i]), itemSize(after[i]));
    const tableUnits = transactional
      ? transactWriteUnits(observation).table
      : writeUnits(t.action === 'Delete' ? itemSize(before[i]) : size);
    addPartition(`${def.id} ${text(t.key[def.partitionKey.name])}`, 0, tableUnits);
    total += tableUnits;
    for (const w of indexWrites(observation)) {
      addPartition(`${def.id}.${def.indexes[w.index]?.indexName} ${w.partition}`, 0, w.units);
      total += w.units;
    }
  });
  return total;
}

/** The partitions a read asked for: a Query's partition key value, a GetItem's or BatchGetItem's keys. */
function readPartitions(op: string, input: Loose): string[] {
  const table = String(input.TableName);
  const def = tableByName.get(table);
  if (op === 'GetItem' && def) return [`${def.id} ${text((input.Key as Loose)[def.partitionKey.name])}`];
  if (op === 'BatchGetItem') {
    return Object.entries(
      (input.RequestItems as Record<string, { Keys: Loose[] }> | undefined) ?? {},
    ).flatMap(([name, req]) => {
      const d = tableByName.get(name);
      return d ? req.Keys.map((k) => `${d.id} ${text(k[d.partitionKey.name])}`) : [];
    });
  }
  if (op === 'Query' && def) {
    const indexName = input.IndexName as string | undefined;
    const pkName = indexName
      ? def.indexes.find((ix) => ix.indexName === indexName)?.partitionKey.name
      : def.partitionKey.name;
    const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
    const values = (input.ExpressionAttributeValues as Loose | undefined) ?? {};
    // `<name or #alias> = :value` for the partition key, anywhere in the key condition.
    for (const m of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = m[1]?.startsWith('#') ? names[m[1]] : m[1];
      if (name === pkName)
        return [`${def.id}${indexName ? `.${indexName}` : ''} ${text(values[m[2] as string])}`];
    }
  }
  return [`${def?.id ?? table} (${op})`];
}

/**
 * The items' images, in the order of `targets`: one BatchGetItem per table and 100 keys (a
 * transaction of 97 items is two requests, not 97), so the meters add few requests of their own
 * to the system they measure.
 */
async function images(targets: WriteTarget[]): Promise<(Item | undefined)[]> {
  // The item images are read as the local administrator, not as the function being metered.
  reader ??= new DynamoDBClient({ credentials: loadCredentials(dataDirOfThisProcess()) });
  const client = reader;
  const id = (table: string, key: Item) => `${table}\u0000${JSON.stringify(key)}`;
  const found = new Map<string, Item>();
  const keysOf = new Map<string, Map<string, Item>>();
  for (const t of targets) {
    const keys = keysOf.get(t.table) ?? new Map<string, Item>();
    keys.set(id(t.table, t.key), t.key);
    keysOf.set(t.table, keys);
  }
  await Promise.all(
    [...keysOf].flatMap(([table, keys]) => {
      const all = [...keys.values()];
      const reads: Promise<void>[] = [];
      for (let i = 0; i < all.length; i += 100) {
        reads.push(
          (async () => {
            let pending: Item[] | undefined = all.slice(i, i + 100);
            for (let round = 0; pending && pending.length > 0; round++) {
              if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
              const res = await client.send(
                new BatchGetItemCommand({
                  RequestItems: {
                    [table]: { Keys: pending as KeysAndAttributes['Keys'], ConsistentRead: true },
                  },
                }),
              );
              for (const item of (res.Responses?.[table] ?? []) as Item[]) {
                found.set(id(table, keyOf(tableByName.get(table) as TableDef, item)), item);
              }
              pending = res.UnprocessedKeys?.[table]?.Keys as Item[] | undefined;
            }
          })(),
        );
      }
      return reads;
    }),
  );
  return targets.map((t) => found.get(id(t.table, t.key)));
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
      const transactional = op === 'TransactWriteItems';
      const targets = transactional ? transactTargets(input) : standardTargets(op, input);
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
      // Units by partition from the images after the call; in all, a transaction's units.
      const writtenUnits = async (): Promise<number> =>
        targets.length === 0
          ? 0
          : attributeWrites(targets, before, await timed(() => images(targets)), transactional);
      const addReads = (units: number) => {
        const read = readPartitions(op, input);
        for (const p of read) addPartition(p, units / read.length, 0);
      };
      try {
        const result = await next({ ...args, input });
        if (transactional) {
          addCapacity(fn, op, 0, await writtenUnits(), false);
        } else {
          const units = consumedUnits((result.output as unknown as Loose).ConsumedCapacity, op);
          addCapacity(fn, op, units?.read ?? 0, units?.write ?? 0, false);
          if (WRITE_OPS.has(op)) await writtenUnits();
          else addReads(units?.read ?? 0);
        }
        return result;
      } catch (err) {
        // A refused write (failed condition, cancelled transaction) is still billed.
        if (transactional) addCapacity(fn, op, 0, await writtenUnits(), true);
        else if (WRITE_OPS.has(op)) {
          addCapacity(fn, op, 0, 1, true);
          await writtenUnits();
        } else {
          addCapacity(fn, op, 0.5, 0, true);
          addReads(0.5);
        }
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

function state(withPartitions = false): ProbeState {
  return {
    partitions: withPartitions ? [...partitions.values()] : [],
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
  const url = new URL(req.url ?? '/', 'http://probe');
  if (req.method === 'POST' && url.pathname === '/record') {
    reset();
    recording = true;
    oneChangePerBatch = url.searchParams.get('stream-batches') === 'one-change';
    send({ recording });
  } else if (req.method === 'POST' && req.url === '/stop') {
    recording = false;
    send(state(true));
  } else if (req.method === 'GET' && req.url === '/state') {
    send(state());
  } else if (req.method === 'GET' && req.url === '/activity') {
    // The counters alone: waiting polls this often, and the whole state grows with the workload.
    send({ completed, succeeded, inflight });
  } else {
    res.writeHead(404);
    res.end();
  }
});
control.listen(probePort, '127.0.0.1');
control.unref();
