/**
 * Local delivery of table streams and of the API access log, standing in for Lambda's event
 * source mappings and CloudWatch Logs subscriptions:
 *
 * - `StreamPoller` reads DynamoDB Local's own streams (the DynamoDB Streams API on the same
 *   port) of the tables TABLE_STREAMS names and invokes each function with the records in the
 *   event shape Lambda delivers, after the same key filter. A failed batch is delivered again
 *   from the same position until it succeeds; positions are kept in the data directory, so a
 *   restart continues where it stopped.
 * - `accessLogShipper` sends the gateway's access log lines of refused requests (401, 403) to
 *   ACCESS_LOG_SUBSCRIBER, gzipped and base64 encoded as a subscription delivers them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { ACCESS_LOG_SUBSCRIBER, type FunctionName, TABLE_STREAMS } from '../../functions/catalog.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import type { AccessLogLine } from './gateway.ts';

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dataDir: string;
  tableName: (table: 'Records' | 'Audit') => string;
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  onError: (message: string) => void;
  intervalMs?: number;
}

interface Shard {
  shardId: string;
  iterator?: string;
  done: boolean;
}

export class StreamPoller {
  private readonly ddb: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly positions: Record<string, string>;
  private readonly file: string;
  private stopped = false;
  private loop?: Promise<void>;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: StreamPollerOptions) {
    const config = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
    this.ddb = new DynamoDBClient(config);
    this.streams = new DynamoDBStreamsClient(config);
    this.file = join(options.dataDir, 'stream-positions.json');
    this.positions = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>)
      : {};
  }

  start(): void {
    this.loop = Promise.all(TABLE_STREAMS.map((s) => this.follow(s))).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.ddb.destroy();
    this.streams.destroy();
  }

  /**
   * Writes the positions (whole or not at all), one write at a time and off the event loop: a
   * synchronous write per batch held every function, server and poller of this one process for
   * as long as the disk took, which Lambda's own checkpoints never do.
   */
  private save(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    // A failed write is reported by the loop that asked for it; the next one starts afresh.
    this.saving = this.saving
      .catch(() => {})
      .then(async () => {
        await writeFile(tmp, JSON.stringify(this.positions));
        await rename(tmp, this.file);
      });
    return this.saving;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  private async follow(s: (typeof TABLE_STREAMS)[number]): Promise<void> {
    const interval = this.options.intervalMs ?? 200;
    const table = await this.ddb.send(
      new DescribeTableCommand({ TableName: this.options.tableName(s.table) }),
    );
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) {
      this.options.onError(`table ${s.table} has no stream; ${s.function} gets no changes`);
      return;
    }
    const shards = new Map<string, Shard>();
    let lastDescribe = 0;
    while (!this.stopped) {
      try {
        if (Date.now() - lastDescribe > 2000) {
          lastDescribe = Date.now();
          const d = await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
          for (const sh of d.StreamDescription?.Shards ?? []) {
            if (sh.ShardId && !shards.has(sh.ShardId))
              shards.set(sh.ShardId, { shardId: sh.ShardId, done: false });
          }
        }
        let busy = false;
        for (const shard of shards.values()) {
          if (shard.done) continue;
          const key = `${s.function}:${shard.shardId}`;
          if (!shard.iterator) {
            const after = this.positions[key];
            const it = await this.streams.send(
              new GetShardIteratorCommand({
                StreamArn: streamArn,
                ShardId: shard.shardId,
                ...(after
                  ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                  : { ShardIteratorType: 'TRIM_HORIZON' }),
              }),
            );
            shard.iterator = it.ShardIterator;
            if (!shard.iterator) {
              shard.done = true;
              continue;
            }
          }
          const res = await this.streams.send(
            new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 100 }),
          );
          const records = res.Records ?? [];
          const wanted = records.filter((r) => keep(s, r));
          if (wanted.length > 0) {
            // A failure throws before the position moves: the batch comes again.
            await this.options.invoke(s.function, { Records: wanted.map((r) => lambdaRecord(r, streamArn)) });
          }
          const last = records.at(-1)?.dynamodb?.SequenceNumber;
          if (last) {
            this.positions[key] = last;
            await this.save();
            busy = true;
          }
          shard.iterator = res.NextShardIterator;
          if (!shard.iterator) shard.done = true;
        }
        if (!busy) await this.sleep(interval);
      } catch (err) {
        if (this.stopped) return;
        this.options.onError(`stream of ${s.table} → ${s.function}: ${errorMessage(err)}`);
        for (const shard of shards.values()) delete shard.iterator;
        await this.sleep(1000);
      }
    }
  }
}

function keep(s: (typeof TABLE_STREAMS)[number], r: StreamRecord): boolean {
  if (!s.keys) return true;
  const keys = r.dynamodb?.Keys ?? {};
  const pk = keys.pk?.S ?? '';
  return s.keys.some((k) => pk.startsWith(k.pkPrefix) && keys.sk?.S === k.sk);
}

/** A stream record as Lambda's event source mapping delivers it. */
export function lambdaRecord(r: StreamRecord, streamArn: string) {
  const d = r.dynamodb ?? {};
  const at = d.ApproximateCreationDateTime;
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion,
    eventSourceARN: streamArn,
    // A removal by the table's TTL names DynamoDB as its user (the audit copy leaves those out).
    ...(r.userIdentity
      ? { userIdentity: { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId } }
      : {}),
    dynamodb: {
      Keys: d.Keys,
      ...(d.NewImage ? { NewImage: d.NewImage } : {}),
      ...(d.OldImage ? { OldImage: d.OldImage } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
      ApproximateCreationDateTime: at instanceof Date ? Math.floor(at.getTime() / 1000) : at,
    },
  };
}

/** Ships refused requests' access log lines to the subscriber, batched every `intervalMs`. */
export function accessLogShipper(options: {
  invokeAsync: (fn: FunctionName, event: unknown) => void;
  intervalMs?: number;
}) {
  let pending: { id: string; timestamp: number; message: string }[] = [];
  let seq = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const logEvents = pending;
    pending = [];
    const data = {
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: '/dangan/local/api-access',
      logStream: 'local',
      subscriptionFilters: ['RefusedRequests'],
      logEvents,
    };
    options.invokeAsync(ACCESS_LOG_SUBSCRIBER, {
      awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') },
    });
  };
  const timer = setInterval(flush, options.intervalMs ?? 200);
  timer.unref();
  return {
    log(line: AccessLogLine): void {
      if (line.status !== '401' && line.status !== '403') return;
      seq++;
      pending.push({
        id: `${Date.now()}${String(seq).padStart(8, '0')}`,
        timestamp: Date.now(),
        message: JSON.stringify(line),
      });
    },
    stop(): void {
      clearInterval(timer);
      flush();
    },
  };
}
