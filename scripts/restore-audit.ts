/**
 * `npm run restore-audit -- --bucket <archive bucket> --table <audit table> [--from D] [--to D]`:
 * puts the audit trail back into a table from its locked copies (scripts/restore-audit/). The
 * audit table has no PITR: its backup is that copy (functions/adapters/tables.ts). Exit 0 when
 * every copy was read, 1 when the restore failed (run it again: it puts only what is missing),
 * 2 on a usage error.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseArgs, USAGE } from './restore-audit/args.ts';
import { restoreAuditTrail } from './restore-audit/restore.ts';
import { CommandFailure, runCommand } from './shared/errors.ts';

const RESTORE_FAILED = { zh: '审计恢复失败', en: 'audit restore failed' };

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.warn(USAGE);
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  // An endpoint of its own (the local system's) is addressed path-style, as such endpoints are.
  const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const counts = await restoreAuditTrail({
      s3,
      ddb,
      ...args,
      onObject: (key, c) => console.warn(`${key}  恢复 restored ${c.restored}  已有 present ${c.present}`),
    });
    if (counts.tampering > 0) {
      console.warn(
        `副本记录了 ${counts.tampering} 次对审计事件的改动或删除（未恢复这些改动）/ the copies record ${counts.tampering} changes or removals of audit events (not applied)`,
      );
    }
    if (counts.expired > 0) {
      console.warn(
        `${counts.expired} 个事件已过审计表的在线保留期，只保存在锁定副本中（未放回）/ ${counts.expired} events are past the table's searchable year and stay in the locked copies only (not put back)`,
      );
    }
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    return 0;
  } catch (err) {
    // What AWS said (no such bucket or table, access denied, a copy whose checksum is wrong), with
    // what was not done; a run again puts only what is still missing.
    const why = `${(err as Error).name}: ${(err as Error).message}`;
    throw new CommandFailure(
      RESTORE_FAILED,
      `${why}（已恢复的事件保留，重新运行只补其余）`,
      `${why} (the events restored so far stay; a run again puts only the rest)`,
    );
  } finally {
    s3.destroy();
    ddb.destroy();
  }
}

runCommand(main);
