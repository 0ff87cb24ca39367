/**
 * DynamoDB Local for the measurements that run handlers in this process (bench/sweep-cost.ts,
 * bench/dashboard-cost.ts): the emulator started on a memory-backed directory where there is one,
 * the handlers' environment pointed at it, the tables made afresh (the records table without its
 * stream: nothing reads it there), and every request the handlers' client makes metered with
 * `ReturnConsumedCapacity` while a measurement is on.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDef } from '../functions/adapters/tables.ts';
import { ensureTables, localTableName, startDynamoDbLocal } from '../infra/local/dynamodb.ts';
import { consumedUnits, READ_OPS } from './cost.ts';

type Loose = Record<string, unknown>;

export interface Metered {
  readRequests: number;
  /** Read units as DynamoDB Local reported them (nothing for a read that found nothing). */
  readUnits: number;
  /** Each read at no less than DynamoDB bills one (0.5, 1 if strongly consistent). */
  billedReadUnits: number;
  writeRequests: number;
  writeUnits: number;
  scans: number;
}

const nothingYet = (): Metered => ({
  readRequests: 0,
  readUnits: 0,
  billedReadUnits: 0,
  writeRequests: 0,
  writeUnits: 0,
  scans: 0,
});

export interface LocalTables {
  /** The handlers' modules, imported once the environment points at the emulator. */
  clients: typeof import('../functions/adapters/clients.ts');
  /** What `work` made the handlers' DynamoDB client do. */
  metered<T>(work: () => Promise<T>): Promise<{ value: T } & Metered>;
}

/**
 * Starts DynamoDB Local, sets the handlers' environment (`env` on top of the endpoint, region and
 * credentials), creates `tables`, runs `use`, and stops and removes everything again.
 */
export async function withLocalTables<T>(
  label: string,
  env: Record<string, string>,
  tables: (defs: typeof import('../functions/adapters/tables.ts')) => TableDef[],
  use: (local: LocalTables) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `dangan-${label}-`));
  let admin: DynamoDBClient | undefined;
  const dynamo = await startDynamoDbLocal({ dataDir, port: 0, jvmArgs: ['-Xmx1g'] });
  try {
    const credentials = {
      accessKeyId: `AKID${label.toUpperCase().replace(/\W/g, '')}`,
      secretAccessKey: label,
    };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...env,
    });
    admin = new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials });
    // The handlers' modules read the endpoint when their clients are made: import them now.
    const clients = await import('../functions/adapters/clients.ts');
    const defs = tables(await import('../functions/adapters/tables.ts'));
    for (const def of defs) {
      await admin.send(new DeleteTableCommand({ TableName: localTableName(def) })).catch(() => undefined);
    }
    await ensureTables(
      admin,
      defs.map((def) => ({ ...def, stream: undefined })),
    );

    let meter: Metered | undefined;
    clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (!meter) return next(args);
        const counting = meter;
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const input = args.input as Loose;
        const result = await next({ ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } });
        const used = consumedUnits((result.output as unknown as Loose).ConsumedCapacity, op);
        if (op === 'Scan') counting.scans++;
        if (READ_OPS.has(op)) {
          counting.readRequests++;
          counting.readUnits += used?.read ?? 0;
          counting.billedReadUnits += Math.max(used?.read ?? 0, input.ConsistentRead === true ? 1 : 0.5);
        } else {
          counting.writeRequests++;
          counting.writeUnits += used?.write ?? 0;
        }
        return result;
      },
      { step: 'initialize', name: `${label}Meter`, override: true },
    );
    return await use({
      clients,
      async metered(work) {
        const counting = nothingYet();
        meter = counting;
        try {
          return { value: await work(), ...counting };
        } finally {
          meter = undefined;
        }
      },
    });
  } finally {
    admin?.destroy();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
