/**
 * DynamoDB Local, the official emulator, run from the jar the `amplify-dynamodb-simulator`
 * package ships. The JVM lives in its own process group (a Ctrl-C in the terminal reaches the
 * launcher, which stops the emulator last, after everything that writes to it) and is bound to
 * its parent's life: `setpriv --pdeathsig KILL` where available, otherwise a small watchdog that
 * kills it once the parent pid is gone. Tables come from the same definitions as the stack.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDef } from '../../functions/adapters/tables.ts';
import { errorMessage } from '../../functions/core/errors.ts';

const require = createRequire(import.meta.url);

/** Table names on this machine: `dangan-records`, `dangan-audit`. */
export const localTableName = (def: TableDef): string => `dangan-${def.id.toLowerCase()}`;

export function emulatorDir(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** Asks the OS for a free TCP port (DynamoDB Local cannot report a port it chose itself). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return listenOnce(0, host).then((port) => port ?? 0);
}

/** Listens on `port` and closes again: the port it got, or undefined when that one is taken. */
function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err),
    );
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A free port for a child that binds it a second later. Taken below the kernel's ephemeral range:
 * a port the OS handed out for `listen(0)` is back in that range the moment it is closed, and the
 * next server of this system that listens on port 0 (the mail inbox, say) may be given it before
 * the JVM has started.
 */
async function portForChild(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralRangeStart();
  if (low > 12_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = 10_000 + Math.floor(Math.random() * (low - 10_000));
      if ((await listenOnce(candidate, host)) !== undefined) return candidate;
    }
  }
  return freePort(host);
}

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49_152; // IANA's dynamic range, used by macOS and Windows
  }
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivAvailable = probe.status === 0;
  }
  return setprivAvailable;
}

export interface DynamoDbLocalOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Extra JVM options, e.g. a heap limit. */
  jvmArgs?: string[];
  startTimeoutMs?: number;
  /** Receives the emulator's own output lines. */
  onOutput?: (line: string) => void;
}

export interface RunningDynamoDb {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  /** Resolves when the JVM has exited, whoever ended it. */
  exited: Promise<number | null>;
}

async function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  cannotBind: () => boolean,
): Promise<void> {
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
      if (cannotBind()) throw new Error(`DynamoDB Local could not bind ${url}: the port is taken`);
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

function launch(options: DynamoDbLocalOptions, port: number, dbPath: string): ChildProcess {
  const dir = emulatorDir();
  const javaArgs = [
    '-XX:+UseSerialGC',
    // C1 only: the JVM starts in about half the time, and the emulator is bound by SQLite anyway.
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    ...(options.jvmArgs ?? []),
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-sharedDb',
    '-disableTelemetry',
    '-dbPath',
    dbPath,
    '-port',
    String(port),
  ];
  const [cmd, args] = hasSetpriv()
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'java', ...javaArgs]]
    : ['java', javaArgs];
  const child = spawn(cmd, args as string[], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!hasSetpriv() && child.pid !== undefined) {
    // Without PR_SET_PDEATHSIG, a watchdog ends the JVM's group once this process is gone.
    const watchdog = spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 -- "-$2" 2>/dev/null',
        'watchdog',
        String(process.pid),
        String(child.pid),
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trimEnd();
        buf = buf.slice(nl + 1);
        if (line !== '') options.onOutput?.(line);
        nl = buf.indexOf('\n');
      }
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  return child;
}

/** Starts DynamoDB Local with its database under `<dataDir>/dynamodb` and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<RunningDynamoDb> {
  const dbPath = join(options.dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  // A port chosen here can still be bound by someone else before the JVM binds it (another
  // system started in parallel): then the JVM says so and exits, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = options.port === 0 ? await portForChild() : options.port;
    let portTaken = false;
    const started = startOnPort(
      {
        ...options,
        onOutput: (line) => {
          if (/BindException|Address already in use/.test(line)) portTaken = true;
          options.onOutput?.(line);
        },
      },
      port,
      dbPath,
      () => portTaken,
    );
    try {
      return await started;
    } catch (err) {
      if (!(portTaken && options.port === 0 && attempt < 3)) throw err;
    }
  }
}

async function startOnPort(
  options: DynamoDbLocalOptions,
  port: number,
  dbPath: string,
  cannotBind: () => boolean,
): Promise<RunningDynamoDb> {
  const child = launch(options, port, dbPath);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start java for DynamoDB Local');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitUntilAnswering(url, child, options.startTimeoutMs ?? 25_000, cannotBind);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, pid, stop, exited };
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

/** Creates the tables (keys, indexes, TTL) that do not exist yet; existing ones are left as they are. */
export async function ensureTables(client: DynamoDBClient, defs: readonly TableDef[]): Promise<string[]> {
  const names: string[] = [];
  for (const def of defs) {
    const TableName = localTableName(def);
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
          ...(def.indexes.length > 0
            ? {
                GlobalSecondaryIndexes: def.indexes.map((ix) => ({
                  IndexName: ix.indexName,
                  KeySchema: [
                    { AttributeName: ix.partitionKey.name, KeyType: 'HASH' },
                    { AttributeName: ix.sortKey.name, KeyType: 'RANGE' },
                  ],
                  Projection: { ProjectionType: ix.projection },
                })),
              }
            : {}),
          ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await client.send(new DescribeTableCommand({ TableName }));
      if (d.Table?.TableStatus === 'ACTIVE') break;
      if (Date.now() > deadline) throw new Error(`table ${TableName} did not become ACTIVE`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (def.stream !== undefined) {
      // A table created before its definition had a stream gets one now.
      const d = await client.send(new DescribeTableCommand({ TableName }));
      if (!d.Table?.StreamSpecification?.StreamEnabled) {
        await client.send(
          new UpdateTableCommand({
            TableName,
            StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream },
          }),
        );
      }
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
