import { RECORD_KEYS } from '../adapters/dynamo/keys.ts';
import type { FunctionName } from './functions.ts';

/**
 * What feeds the functions that no route or workflow calls: table streams and the API's access
 * log (storage events and schedules are wired by infra/, from infra/shared.ts).
 */

/**
 * Table streams and the function each feeds (a Lambda event source mapping on AWS, the local
 * stream poller here). `keys` keeps only changes of items whose keys match one of its filters.
 * `bisectOnError: false` retries a failed batch whole, never split, so a consumer that marks the
 * batches it has done (stats-counter) recognises one delivered again.
 */
export const TABLE_STREAMS: readonly {
  table: 'Records' | 'Audit';
  function: FunctionName;
  keys?: readonly { pkPrefix: string; sk: string }[];
  bisectOnError?: false;
}[] = [
  { table: 'Audit', function: 'audit-archive' },
  { table: 'Records', function: 'document-history', keys: [RECORD_KEYS.document] },
  {
    table: 'Records',
    function: 'stats-counter',
    keys: [RECORD_KEYS.document, RECORD_KEYS.submission],
    bisectOnError: false,
  },
  // Tasks just opened are told to those who may decide them (functions/events/notify.ts).
  { table: 'Records', function: 'notify', keys: [RECORD_KEYS.task] },
];

/** The function that reads the API's access log for refused requests. */
export const ACCESS_LOG_SUBSCRIBER: FunctionName = 'access-denied';
