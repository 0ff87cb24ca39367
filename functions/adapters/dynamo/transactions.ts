import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  type TransactWriteItem,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { errorName } from '../../core/errors.ts';
import { ddb } from '../clients.ts';

/**
 * Guarded writes: every change of a record is conditional on the state it starts from, and a
 * lost condition (another request got there first, or the state moved on) is an answer, not an
 * error. The repositories write through these helpers.
 */

export type { TransactWriteItem };

/**
 * Runs one transaction. A cancellation caused only by a concurrent transaction on the same items
 * (TransactionConflict, nothing written) is retried a few times, so the caller sees the outcome
 * of its conditions rather than the collision.
 */
export async function transact(items: TransactWriteItem[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ddb.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const conflictOnly =
        reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!conflictOnly || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** One item's reason in a cancelled transaction: its code and, when asked for, the item as stored. */
export interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

/** The per-item reasons, in item order, when `err` is a cancelled transaction. */
export function cancellationDetails(err: unknown): CancellationReason[] | undefined {
  if (err instanceof TransactionCanceledException || errorName(err) === 'TransactionCanceledException') {
    return ((err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ??
      []) as CancellationReason[];
  }
  return undefined;
}

/** Cancellation reason codes, in item order, when `err` is a cancelled transaction. */
export function cancellationReasons(err: unknown): string[] | undefined {
  return cancellationDetails(err)?.map((r) => r.Code ?? 'None');
}

/** True when the transaction was cancelled only because a condition failed (a lost race or a stale state). */
export function lostCondition(err: unknown): boolean {
  const reasons = cancellationReasons(err);
  return (
    reasons?.includes('ConditionalCheckFailed') === true &&
    reasons.every((r) => r === 'ConditionalCheckFailed' || r === 'None')
  );
}

/**
 * Runs one transaction whose conditions guard a state change: true when it was written, false
 * when a condition failed (another request got there first, or the state moved on; nothing written).
 */
export async function transactUnlessLost(items: TransactWriteItem[]): Promise<boolean> {
  try {
    await transact(items);
    return true;
  } catch (err) {
    if (lostCondition(err)) return false;
    throw err;
  }
}

/**
 * One conditional write (Put, Update, Delete): true when it was written, false when its condition
 * failed (nothing written): another request got there first, or it was written before.
 */
export async function writtenUnlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** One conditional UpdateItem guarding a state change: false when its condition failed. */
export const updateUnlessLost = (input: UpdateCommandInput): Promise<boolean> =>
  writtenUnlessConditionFails(() => ddb.send(new UpdateCommand(input)));

export function isConditionalCheckFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}
