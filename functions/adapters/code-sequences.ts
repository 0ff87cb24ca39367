import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../core/workflow-errors.ts';
import { ddb } from './clients.ts';
import { batchGetItems } from './dynamo/batch-get.ts';
import { keys } from './dynamo/keys.ts';
import {
  isConditionalCheckFailed,
  transactUnlessLost,
  updateUnlessLost,
  writtenUnlessConditionFails,
} from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Archive-code sequences (`SEQUENCE#<code prefix>` in the records table) and the reservations
 * taken from them. At rest a sequence item holds only the last item number taken and the numbers
 * given back by archivings that failed (`free`), so it stays small however many archivings are
 * in flight. What a submission reserved is an item of its own, `RESERVATION#<submissionId>` /
 * `SEQUENCE#<code prefix>`, deleted without touching the sequence. The only code that builds
 * DynamoDB commands for either.
 *
 * Taking numbers never loses a race: one UpdateItem adds to whatever the last number is and
 * marks what it took on the sequence under the submission's name (`reserved#`, `reusing#`,
 * `fresh#<submissionId>`, the take). The reservation item is put from that answer and the take
 * is cleared at once, so a sequence carries only the takes of the reservations being made at
 * that moment. A run that dies between the steps leaves the take on the sequence, which the next
 * run (or the give-back of a failed archiving) finds: numbers are taken once and never lost.
 * Reservations kept whole on the sequence item before are takes in the same attributes, finished
 * the same way. A conditional transaction of the sequence and the reservation item would avoid the take, but
 * reservations made at once would then fail on each other's writes and retry, a round trip each.
 */

/** What a submission reserved in one sequence: its reservation item, or its take on the sequence. */
interface Reservation {
  /** The sequence's last number before the reservation's new numbers. */
  before: number;
  /** Numbers taken from those given back (`free`), in order; they come first. */
  reusing: number[];
  /** How many new numbers (after `before`) the reservation took. */
  fresh: number;
}

/** How many times a take is tried again when another took the given-back numbers it read first. */
const RESERVE_ATTEMPTS = 5;

/**
 * Reserves `count` item numbers of a sequence for a submission and returns them in order: first
 * the smallest numbers given back by an archiving that failed (`free`, so the register keeps no
 * gap), then new ones after the sequence's last number. A repeated call finds the same numbers
 * and takes no new ones. The numbers are the submission's until its archiving gives them to its
 * documents (`completeArchive`, which audits the codes) and `releaseSequenceRange` drops the
 * reservation, or until a failed archiving gives them back (`returnSequenceNumbers`).
 */
export async function reserveSequenceNumbers(
  sequenceKey: string,
  submissionId: string,
  count: number,
  at: string,
): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    const [held, sequence] = await Promise.all([
      readReservation(sequenceKey, submissionId),
      readSequence(sequenceKey),
    ]);
    const marked = takeOn(sequence, submissionId);
    if (held) {
      if (marked) await settleTake(sequenceKey, submissionId, marked, held);
      return numbersOf(held);
    }
    const taken = marked ?? (await take(sequenceKey, submissionId, sequence, count, at));
    if (!taken) {
      // Another reservation took a given-back number first, or this one was made meanwhile.
      if (attempt >= RESERVE_ATTEMPTS) {
        // Still contended: the workflow retries the step rather than failing the archiving.
        throw new TransientError(`sequence ${sequenceKey} is contended; its numbers will be reserved again`);
      }
      continue;
    }
    // Another run of this step may have put the reservation between this one's read and its take.
    const kept = (await putReservation(sequenceKey, submissionId, taken, at))
      ? taken
      : await readReservation(sequenceKey, submissionId);
    if (!kept) continue;
    await settleTake(sequenceKey, submissionId, taken, kept);
    return numbersOf(kept);
  }
}

/** The sequence item as stored (empty when the sequence was never used), read consistently. */
async function readSequence(sequenceKey: string): Promise<Record<string, unknown>> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: keys.sequence(sequenceKey), ConsistentRead: true }),
  );
  return res.Item ?? {};
}

async function readReservation(sequenceKey: string, submissionId: string): Promise<Reservation | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.sequenceReservation(submissionId, sequenceKey),
      ConsistentRead: true,
    }),
  );
  const item = res.Item;
  if (typeof item?.before !== 'number' || typeof item.fresh !== 'number') return undefined;
  return { before: item.before, reusing: (item.reusing as number[] | undefined) ?? [], fresh: item.fresh };
}

const numbersOf = (r: Reservation): number[] => [
  ...r.reusing,
  ...Array.from({ length: r.fresh }, (_, i) => r.before + i + 1),
];

/** The attributes of a submission's take on a sequence item. */
const takeNames = (submissionId: string) => ({
  '#r': `reserved#${submissionId}`,
  '#u': `reusing#${submissionId}`,
  '#n': `fresh#${submissionId}`,
});

/** A submission's take on a sequence item (as returned by the UpdateItem or read); undefined when none. */
function takeOn(item: Record<string, unknown>, submissionId: string): Reservation | undefined {
  const names = takeNames(submissionId);
  const before = item[names['#r']];
  const fresh = item[names['#n']];
  if (typeof before !== 'number' || typeof fresh !== 'number') return undefined;
  return { before, reusing: (item[names['#u']] as number[] | undefined) ?? [], fresh };
}

/**
 * Takes `count` numbers in one UpdateItem that adds to whatever the last number is and takes the
 * given-back numbers read only if they are still free; undefined when they were not (or this
 * submission has a take already).
 */
async function take(
  sequenceKey: string,
  submissionId: string,
  sequence: Record<string, unknown>,
  count: number,
  at: string,
): Promise<Reservation | undefined> {
  const free = [...((sequence.free as Set<number> | undefined) ?? [])].sort((a, b) => a - b);
  const reused = free.slice(0, count);
  const taking = reused.length > 0;
  // `reusing#` only when it holds numbers: the take is on the sequence while others are too.
  const { '#u': reusingName, ...names } = takeNames(submissionId);
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.sequence(sequenceKey),
        ConditionExpression: [
          'attribute_not_exists(#r)',
          ...reused.map((_, i) => `contains(#free, :f${i})`),
        ].join(' AND '),
        UpdateExpression:
          'SET #last = if_not_exists(#last, :zero) + :n, #r = if_not_exists(#last, :zero), #n = :n, ' +
          `sequenceKey = :key, updatedAt = :at${taking ? ', #u = :reused DELETE #free :taken' : ''}`,
        ExpressionAttributeNames: {
          '#last': 'last',
          ...names,
          ...(taking ? { '#u': reusingName, '#free': 'free' } : {}),
        },
        ExpressionAttributeValues: {
          ':zero': 0,
          ':n': count - reused.length,
          ':key': sequenceKey,
          ':at': at,
          ...(taking ? { ':reused': reused, ':taken': new Set(reused) } : {}),
          ...Object.fromEntries(reused.map((n, i) => [`:f${i}`, n])),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const taken = takeOn(out.Attributes ?? {}, submissionId);
    if (!taken) throw new Error(`sequence ${sequenceKey} returned no take`);
    return taken;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}

/** Puts a submission's reservation item; false when it has one already. */
function putReservation(
  sequenceKey: string,
  submissionId: string,
  reservation: Reservation,
  at: string,
): Promise<boolean> {
  return writtenUnlessConditionFails(() =>
    ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.sequenceReservation(submissionId, sequenceKey),
          entity: 'sequence-reservation',
          sequenceKey,
          submissionId,
          ...reservation,
          reservedAt: at,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

const sameNumbers = (a: Reservation, b: Reservation) => numbersOf(a).join() === numbersOf(b).join();

/**
 * Ends a take once the submission's reservation item exists: cleared when the item holds its
 * numbers, given back when the item holds others (a take made after another run of the step had
 * reserved), so no number is lost.
 */
async function settleTake(
  sequenceKey: string,
  submissionId: string,
  taken: Reservation,
  kept: Reservation,
): Promise<void> {
  if (sameNumbers(taken, kept)) await clearTake(sequenceKey, submissionId, taken);
  else await giveBackTake(sequenceKey, submissionId, taken);
}

/** Clears a take from the sequence once its reservation item holds the numbers. */
async function clearTake(sequenceKey: string, submissionId: string, reservation: Reservation): Promise<void> {
  await updateUnlessLost({
    TableName: tableName(),
    Key: keys.sequence(sequenceKey),
    ConditionExpression: '#r = :before',
    UpdateExpression: 'REMOVE #r, #u, #n',
    ExpressionAttributeNames: takeNames(submissionId),
    ExpressionAttributeValues: { ':before': reservation.before },
  });
}

/**
 * Drops a submission's reservation once its documents carry the codes; nothing when it is gone.
 * The sequence item is not written: it does not hold the reservation.
 */
export async function releaseSequenceRange(sequenceKey: string, submissionId: string): Promise<void> {
  await ddb.send(
    new DeleteCommand({ TableName: tableName(), Key: keys.sequenceReservation(submissionId, sequenceKey) }),
  );
}

/**
 * Gives the numbers a submission reserved back to its sequence (`free`), when its archiving
 * failed and none of them was given to a document: the next reservation of the sequence takes
 * them first. The reservation (and any take left on the sequence) goes in the same write that
 * returns the numbers, so they are given back once. Returns the numbers given back (none when the
 * submission held no reservation).
 */
export async function returnSequenceNumbers(sequenceKey: string, submissionId: string): Promise<number[]> {
  const [held, sequence] = await Promise.all([
    readReservation(sequenceKey, submissionId),
    readSequence(sequenceKey),
  ]);
  const marked = takeOn(sequence, submissionId);
  if (!held)
    return marked && (await giveBackTake(sequenceKey, submissionId, marked)) ? numbersOf(marked) : [];
  // A take left beside the reservation with other numbers goes back with it (the write removes it).
  const numbers = [...numbersOf(held), ...(marked && !sameNumbers(marked, held) ? numbersOf(marked) : [])];
  const given = await transactUnlessLost([
    {
      Delete: {
        TableName: tableName(),
        Key: keys.sequenceReservation(submissionId, sequenceKey),
        ConditionExpression: '#before = :before',
        ExpressionAttributeNames: { '#before': 'before' },
        ExpressionAttributeValues: { ':before': held.before },
      },
    },
    { Update: giveBackNumbers(sequenceKey, submissionId, numbers) },
  ]);
  return given ? numbers : [];
}

/** Returns numbers to the sequence's `free` and removes the submission's take, if any, with them. */
const giveBackNumbers = (sequenceKey: string, submissionId: string, numbers: readonly number[]) => ({
  TableName: tableName(),
  Key: keys.sequence(sequenceKey),
  UpdateExpression: 'REMOVE #r, #u, #n ADD #free :numbers',
  ExpressionAttributeNames: { ...takeNames(submissionId), '#free': 'free' },
  ExpressionAttributeValues: { ':numbers': new Set(numbers) },
});

/** Gives the numbers of a take left on the sequence back, once (false when it is gone). */
function giveBackTake(sequenceKey: string, submissionId: string, take: Reservation): Promise<boolean> {
  const update = giveBackNumbers(sequenceKey, submissionId, numbersOf(take));
  return updateUnlessLost({
    ...update,
    ConditionExpression: '#r = :before',
    ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':before': take.before },
  });
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
