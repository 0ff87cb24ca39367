import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.ts';

/**
 * DynamoDB Local is given a port before its JVM binds it. A taken port must fail the start at
 * once with a message naming it (the JVM prints a BindException and lingers without listening),
 * and a port chosen by the launcher must lie outside the range the OS hands to `listen(0)`, where
 * the system's other servers get theirs.
 */
describe('starting DynamoDB Local', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dangan-ddb-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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
    const dynamo = await startDynamoDbLocal({ dataDir, port: 0 });
    try {
      const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(dynamo.port).toBeLessThan(low ?? 0);
      expect(dynamo.port).toBeGreaterThanOrEqual(10_000);
    } finally {
      await dynamo.stop();
    }
  }, 60_000);
});
