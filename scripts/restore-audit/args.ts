import { parseArgs as parseNodeArgs } from 'node:util';
import { UsageError } from '../shared/errors.ts';

export const USAGE = `npm run restore-audit -- --bucket <archive bucket> --table <audit table> [--from YYYY-MM-DD] [--to YYYY-MM-DD]
  从归档桶中锁定的审计副本恢复审计表（只补缺失的事件，可重复运行）。
  Puts the audit trail back into a table from its locked copies in the archive bucket
  (only the events the table lacks; safe to run again). Credentials and region as for the AWS CLI;
  AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_DYNAMODB point it at other endpoints (the local system's).`;

export interface RestoreArgs {
  bucket: string;
  table: string;
  fromDay?: string;
  toDay?: string;
}

const DAY = /^\d{4}-\d\d-\d\d$/;

const validDay = (name: string, v: string | undefined): string | undefined => {
  if (v === undefined) return undefined;
  if (
    !DAY.test(v) ||
    Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
    new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
  ) {
    throw new UsageError(
      `${name} 应为日期 YYYY-MM-DD，收到 ${v}`,
      `${name} must be a date YYYY-MM-DD, got ${v}`,
    );
  }
  return v;
};

/** Reads the command line; anything unknown, missing or malformed is a UsageError naming it. */
export function parseArgs(argv: readonly string[]): RestoreArgs {
  let values: Record<string, string | undefined>;
  try {
    values = parseNodeArgs({
      args: [...argv],
      options: {
        bucket: { type: 'string' },
        table: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    const why = (err as Error).message;
    throw new UsageError(`参数有误（${why}）`, `${why}\n${USAGE}`);
  }
  const required = (name: 'bucket' | 'table'): string => {
    const v = values[name];
    if (v === undefined || v === '')
      throw new UsageError(`缺少 --${name}`, `--${name} is required\n${USAGE}`);
    return v;
  };
  const fromDay = validDay('--from', values.from);
  const toDay = validDay('--to', values.to);
  if (fromDay !== undefined && toDay !== undefined && fromDay > toDay) {
    throw new UsageError(`--from ${fromDay} 晚于 --to ${toDay}`, `--from ${fromDay} is after --to ${toDay}`);
  }
  return {
    bucket: required('bucket'),
    table: required('table'),
    ...(fromDay ? { fromDay } : {}),
    ...(toDay ? { toDay } : {}),
  };
}
