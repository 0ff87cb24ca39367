/**
 * `npx tsx scripts/recount-due.ts [--years N]`: seeds the dashboard's due-day counters from the
 * due-date index, once, for an archive that held documents before the counters were kept
 * (functions/services/due-recount.ts says what it reads and writes; running it again is safe).
 * Needs the records table's name in TABLE_NAME, the region, and credentials that may Query the
 * table and its due-date index and Put and Delete items in it (for DynamoDB Local, its address in
 * AWS_ENDPOINT_URL_DYNAMODB). Prints what it counted as one line of JSON; exit 2 on a usage error.
 */
import { now } from '../functions/core/clock.ts';
import { RECOUNT_YEARS, recountDue } from '../functions/services/due-recount.ts';
import { runCommand, UsageError } from './shared/errors.ts';

function yearsOf(args: readonly string[]): number {
  if (args.length === 0) return RECOUNT_YEARS;
  const [flag, value, ...rest] = args;
  const years = Number(value);
  if (flag !== '--years' || rest.length > 0 || !Number.isInteger(years) || years < 1 || years > 200) {
    throw new UsageError('只接受 --years N（1 到 200）', 'the only option is --years N (1 to 200)');
  }
  return years;
}

async function main(): Promise<number> {
  const years = yearsOf(process.argv.slice(2));
  if (!process.env.TABLE_NAME) {
    throw new UsageError('请在 TABLE_NAME 中给出记录表的名称', 'TABLE_NAME must name the records table');
  }
  const result = await recountDue(now(), years);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

runCommand(main);
