/**
 * DynamoDB Local, the official emulator, answering: its JVM launched (dynamodb-process.ts) and
 * waited for, on another port when the one chosen was taken meanwhile. Tables come from the same
 * definitions as the stack.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { IndexDef, TableDef } from '../../functions/adapters/tables.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import { type LaunchedDynamoDb, type LaunchOptions, launchDynamoDbLocal } from './dynamodb-process.ts';

export { freePort } from './dynamodb-process.ts';

export interface DynamoDbLocalOptions extends LaunchOptions {
  startTimeoutMs?: number;
  /** Receives the emulator's own output lines. */
  onOutput?: (line: string) => void;
  /** A JVM launched already for these options (`npm start` launches it before loading the rest). */
  launched?: Promise<LaunchedDynamoDb>;
}

export type RunningDynamoDb = Pick<LaunchedDynamoDb, 'url' | 'port' | 'pid' | 'stop' | 'exited'>;

/** Table names on this machine: `dangan-records`, `dangan-audit`. */
export const localTableName = (def: TableDef): string => `dangan-${def.id.toLowerCase()}`;

async function waitUntilAnswering(launched: LaunchedDynamoDb, timeoutMs: number): Promise<void> {
  const { url, child } = launched;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited during start (${child.exitCode ?? child.signalCode})`);
      }
      // The JVM reports a taken port and then lingers without listening.
      if (launched.portTaken()) throw new Error(`DynamoDB Local could not bind ${url}: the port is taken`);
      try {
        // Bounded: whatever else holds the port may accept and never answer.
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer on ${url} within ${timeoutMs} ms: ${errorMessage(err)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local (or takes the JVM `options.launched` started) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningDynamoDb> {
  // A port chosen can still be bound by someone else before the JVM binds it (another system
  // started in parallel): the JVM then says so, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const launched = await ((attempt === 1 && options.launched) || launchDynamoDbLocal(options));
    if (options.onOutput) launched.onOutput(options.onOutput);
    try {
      await waitUntilAnswering(launched, options.startTimeoutMs ?? 25_000);
      return launched;
    } catch (err) {
      await launched.stop();
      if (!(launched.portTaken() && options.port === 0 && attempt < 3)) throw err;
    }
  }
}

function indexSpec(ix: IndexDef) {
  return {
    IndexName: ix.indexName,
    KeySchema: [
      { AttributeName: ix.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: ix.sortKey.name, KeyType: 'RANGE' as const },
    ],
    Projection: {
      ProjectionType: ix.projection,
      ...(ix.nonKeyAttributes ? { NonKeyAttributes: [...ix.nonKeyAttributes] } : {}),
    },
  };
}

/**
 * Waits until the table and every index of it are ACTIVE (an index is built after it is added),
 * and returns the table as it then is.
 */
async function untilActive(client: DynamoDBClient, TableName: string): Promise<TableDescription> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await client.send(new DescribeTableCommand({ TableName }));
    const indexes = d.Table?.GlobalSecondaryIndexes ?? [];
    if (d.Table?.TableStatus === 'ACTIVE' && indexes.every((g) => g.IndexStatus === 'ACTIVE')) return d.Table;
    if (Date.now() > deadline) throw new Error(`table ${TableName} did not become ACTIVE`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function attributeDefinitions(def: TableDef): AttributeDefinition[] {
  const seen = new Map<string, 'S' | 'N'>();
  const add = (k: { name: string; type: 'S' | 'N' }) => seen.set(k.name, k.type);
  add(def.partitionKey);
  add(def.sortKey);
  for (const ix of def.indexes) {
    add(ix.partitionKey);
    add(ix.sortKey);
  }
  return [...seen].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

/**
 * Creates the tables (keys, indexes, TTL) that do not exist yet, and the indexes an existing
 * table lacks; nothing that exists is changed. `nameOf` names them (another name than the
 * system's: a table to restore into).
 */
export async function ensureTables(
  client: DynamoDBClient,
  defs: readonly TableDef[],
  nameOf: (def: TableDef) => string = localTableName,
): Promise<string[]> {
  const names: string[] = [];
  for (const def of defs) {
    const TableName = nameOf(def);
    names.push(TableName);
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(def),
          KeySchema: [
            { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
          ],
          ...(def.indexes.length > 0 ? { GlobalSecondaryIndexes: def.indexes.map(indexSpec) } : {}),
          ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    let table = await untilActive(client, TableName);
    // A table created before an index was defined (a data directory kept across versions) gets it
    // now, one at a time as DynamoDB allows; an index no longer defined is left, unused.
    const present = new Set(table.GlobalSecondaryIndexes?.map((g) => g.IndexName));
    for (const ix of def.indexes.filter((i) => !present.has(i.indexName))) {
      await client.send(
        new UpdateTableCommand({
          TableName,
          AttributeDefinitions: attributeDefinitions(def),
          GlobalSecondaryIndexUpdates: [{ Create: indexSpec(ix) }],
        }),
      );
      table = await untilActive(client, TableName);
    }
    // A table created before its definition had a stream gets one now.
    if (def.stream !== undefined && !table.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream },
        }),
      );
    }
    if (def.timeToLiveAttribute !== undefined) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }
  }
  return names;
}
