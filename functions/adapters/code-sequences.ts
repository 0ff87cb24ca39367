import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../core/workflow-errors.ts';
import { ddb } from './clients.ts';
import { batchGetItems } from './dynamo/batch-get.ts';
import { keys } from './dynamo/keys.ts';
import { isConditionalCheckFailed, updateUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Archive-code sequences (`SEQUENCE#<code prefix>` in the records table): the last item number
 * taken, the numbers given back by archivings that failed (`free`), and, while a submission is
 * being archived, what it reserved (`reserved#`, `reusing#`, `fresh#<submissionId>`). The only
 * code that builds DynamoDB commands for sequence items.
 */

/** The attribute of a sequence item that holds a submission's reservation: the last number before it. */
const reservation = (submissionId: string) => `reserved#${submissionId}`;
/** The numbers a submission's reservation took from those given back (`free`), in order. */
const reusing = (submissionId: string) => `reusing#${submissionId}`;
/** How many new numbers (after `reserved#<id>`) the reservation took. */
const freshCount = (submissionId: string) => `fresh#${submissionId}`;

/** How many times a reservation is tried again when another one took the same given-back numbers. */
const RESERVE_ATTEMPTS = 5;

/**
 * Reserves `count` item numbers of a sequence for a submission and returns them in order: first
 * the smallest numbers given back by an archiving that failed (`free`, so the register keeps no
 * gap), then new ones after the sequence's last number, in one UpdateItem that takes the given-back
 * numbers only if they are still free and adds to `last` whatever it is. What was taken is kept
 * under the submission's name on the sequence item, so a repeated call finds the same numbers and
 * takes no new ones. The numbers are the submission's until its archiving gives them to its
 * documents (`completeArchive`, which audits the codes) and `releaseSequenceRange` drops the
 * reservation, or until a failed archiving gives them back (`returnSequenceNumbers`).
 */
export async function reserveSequenceNumbers(
  sequenceKey: string,
  submissionId: string,
  count: number,
  at: string,
): Promise<number[]> {
  const names = {
    '#last': 'last',
    '#r': reservation(submissionId),
    '#u': reusing(submissionId),
    '#n': freshCount(submissionId),
  };
  for (let attempt = 0; ; attempt++) {
    const res = await ddb.send(
      new GetCommand({ TableName: tableName(), Key: keys.sequence(sequenceKey), ConsistentRead: true }),
    );
    const item = res.Item ?? {};
    const held = reservedNumbers(item, submissionId);
    if (held) return held;
    const free = [...((item.free as Set<number> | undefined) ?? [])].sort((a, b) => a - b);
    const reused = free.slice(0, count);
    const fresh = count - reused.length;
    const stillFree = reused.map((_, i) => `contains(#free, :f${i})`);
    try {
      const out = await ddb.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.sequence(sequenceKey),
          ConditionExpression: ['attribute_not_exists(#r)', ...stillFree].join(' AND '),
          UpdateExpression:
            'SET #last = if_not_exists(#last, :zero) + :n, #r = if_not_exists(#last, :zero), #u = :reused, #n = :n, ' +
            'sequenceKey = :key, updatedAt = :at' +
            (reused.length > 0 ? ' DELETE #free :taken' : ''),
          ExpressionAttributeNames: { ...names, ...(reused.length > 0 ? { '#free': 'free' } : {}) },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':n': fresh,
            ':reused': reused,
            ':key': sequenceKey,
            ':at': at,
            ...(reused.length > 0 ? { ':taken': new Set(reused) } : {}),
            ...Object.fromEntries(reused.map((n, i) => [`:f${i}`, n])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const taken = reservedNumbers(out.Attributes ?? {}, submissionId);
      if (!taken) throw new Error(`sequence ${sequenceKey} returned no reservation`);
      return taken;
    } catch (err) {
      // Another reservation took a given-back number first, or this one was made meanwhile.
      if (!isConditionalCheckFailed(err)) throw err;
      if (attempt >= RESERVE_ATTEMPTS) {
        // Still contended: the workflow retries the step rather than failing the archiving.
        throw new TransientError(`sequence ${sequenceKey} is contended; its numbers will be reserved again`);
      }
    }
  }
}

/** The numbers a sequence item holds for a submission, in order; undefined when it holds none. */
function reservedNumbers(item: Record<string, unknown>, submissionId: string): number[] | undefined {
  const before = item[reservation(submissionId)];
  if (typeof before !== 'number') return undefined;
  const reused = (item[reusing(submissionId)] as number[] | undefined) ?? [];
  const fresh = item[freshCount(submissionId)];
  if (typeof fresh !== 'number') return undefined;
  return [...reused, ...Array.from({ length: fresh }, (_, i) => before + i + 1)];
}

/** Drops a submission's reservation once its documents carry the codes; nothing when it is gone. */
export async function releaseSequenceRange(sequenceKey: string, submissionId: string): Promise<void> {
  await updateUnlessLost({
    TableName: tableName(),
    Key: keys.sequence(sequenceKey),
    ConditionExpression: 'attribute_exists(#r)',
    UpdateExpression: 'REMOVE #r, #u, #n',
    ExpressionAttributeNames: {
      '#r': reservation(submissionId),
      '#u': reusing(submissionId),
      '#n': freshCount(submissionId),
    },
  });
}

/**
 * Gives the numbers a submission reserved back to its sequence (`free`), when its archiving
 * failed and none of them was given to a document: the next reservation of the sequence takes
 * them first. Returns the numbers given back (none when the submission held no reservation).
 */
export async function returnSequenceNumbers(sequenceKey: string, submissionId: string): Promise<number[]> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: keys.sequence(sequenceKey), ConsistentRead: true }),
  );
  const numbers = reservedNumbers(res.Item ?? {}, submissionId);
  if (!numbers) return [];
  const names = {
    '#r': reservation(submissionId),
    '#u': reusing(submissionId),
    '#n': freshCount(submissionId),
  };
  const given = await updateUnlessLost({
    TableName: tableName(),
    Key: keys.sequence(sequenceKey),
    ConditionExpression: '#r = :before',
    UpdateExpression: numbers.length > 0 ? 'REMOVE #r, #u, #n ADD #free :numbers' : 'REMOVE #r, #u, #n',
    ExpressionAttributeNames: { ...names, ...(numbers.length > 0 ? { '#free': 'free' } : {}) },
    ExpressionAttributeValues: {
      ':before': res.Item?.[names['#r']],
      ...(numbers.length > 0 ? { ':numbers': new Set(numbers) } : {}),
    },
  });
  return given ? numbers : [];
}

/** The last item number of each sequence that has one (a sequence never used has no item). */
export async function lastNumbers(sequenceKeys: readonly string[]): Promise<Map<string, number>> {
  const items = await batchGetItems(
    sequenceKeys.map((k) => keys.sequence(k)),
    { projection: { expression: 'sequenceKey, #last', names: { '#last': 'last' } } },
  );
  return new Map(
    items.flatMap((i) =>
      typeof i.sequenceKey === 'string' && typeof i.last === 'number' ? [[i.sequenceKey, i.last]] : [],
    ),
  );
}

/**
 * Moves a sequence's last number up to `seq` when it is lower (a migrated legacy code holds that
 * number): new codes of the sequence continue after the highest legacy number. Safe to repeat.
 */
export async function raiseSequence(sequenceKey: string, seq: number, at: string): Promise<void> {
  await updateUnlessLost({
    TableName: tableName(),
    Key: keys.sequence(sequenceKey),
    ConditionExpression: 'attribute_not_exists(#last) OR #last < :seq',
    UpdateExpression: 'SET #last = :seq, sequenceKey = :key, updatedAt = :at',
    ExpressionAttributeNames: { '#last': 'last' },
    ExpressionAttributeValues: { ':seq': seq, ':key': sequenceKey, ':at': at },
  });
}
