import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { INDEX } from '../../functions/adapters/dynamo/keys.ts';
import { RECORDS_TABLE } from '../../functions/adapters/tables.ts';
import { ensureTables, type RunningDynamoDb, startDynamoDbLocal } from '../../infra/local/dynamodb.ts';

/**
 * DynamoDB Local is given a port before its JVM binds it. A taken port must fail the start at
 * once with a message naming it (the JVM prints a BindException and lingers without listening),
 * and a port chosen by the launcher must lie outside the range the OS hands to `listen(0)`, where
 * the system's other servers get theirs.
 */
describe('starting DynamoDB Local', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dangan-ddb-start-'));
  let dynamo: RunningDynamoDb | undefined;
  afterAll(async () => {
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says at once that a taken port is taken', async () => {
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = Date.now();
      await expect(startDynamoDbLocal({ dataDir, port, startTimeoutMs: 120_000 })).rejects.toThrow(
        `could not bind http://127.0.0.1:${port}: the port is taken`,
      );
      expect(Date.now() - started).toBeLessThan(100_000);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 150_000);

  it('chooses its own port below the ephemeral range', async () => {
    dynamo = await startDynamoDbLocal({ dataDir, port: 0 });
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(dynamo.port).toBeLessThan(low ?? 0);
    expect(dynamo.port).toBeGreaterThanOrEqual(10_000);
  }, 60_000);

  // A data directory outlives a version of the table definitions: an index added (or one renamed,
  // as when a projection changes) must be there when the system starts on it again.
  it('adds to an existing table the indexes its definition has gained, and queries them', async () => {
    if (!dynamo) throw new Error('DynamoDB Local did not start');
    const client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const before = { ...RECORDS_TABLE, indexes: RECORDS_TABLE.indexes.slice(0, 1) };
      const [table = ''] = await ensureTables(client, [before], () => 'kept');
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: 'DOCUMENT#d1' },
            sk: { S: 'DOCUMENT' },
            gsi3pk: { S: 'DUE#2030-01' },
            gsi3sk: { S: '2030-01-02#d1' },
          },
        }),
      );
      await ensureTables(client, [RECORDS_TABLE], () => 'kept');
      const described = await client.send(new DescribeTableCommand({ TableName: table }));
      expect(
        described.Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus]).sort(),
      ).toEqual(RECORDS_TABLE.indexes.map((i) => [i.indexName, 'ACTIVE']).sort());
      const due = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: INDEX.gsi3.name,
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'DUE#2030-01' } },
        }),
      );
      expect(due.Items?.map((i) => i.pk?.S)).toEqual(['DOCUMENT#d1']);
      // Once there, nothing more is asked of the table.
      await ensureTables(client, [RECORDS_TABLE], () => 'kept');
    } finally {
      client.destroy();
    }
  }, 60_000);
});
