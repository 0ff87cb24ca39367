import { getCustomer, saveChange } from '../adapters/customers-repo.ts';
import { now } from '../core/clock.ts';
import {
  applyChange,
  type Customer,
  canSeeCustomer,
  closesAccount,
  customerView,
  type UpdateCustomerInput,
} from '../core/customers.ts';
import { Conflict, Forbidden, NotFound } from '../core/errors.ts';
import { mayAccessRegion } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import { accountClosed } from './retention-clock.ts';

/**
 * A change to a customer record: applied to the version the caller read, kept as the new version
 * with its before/after audit event in one transaction; closing the account starts the retention
 * clocks that wait for it.
 */

export interface CustomerChange {
  customerId: string;
  /** The version the caller read (`If-Match`). */
  expectedVersion: number;
  patch: UpdateCustomerInput;
  actor: Actor;
  requestId: string;
}

/** Returns the customer as it is after the change (as it was, when every value already held). */
export async function changeCustomer(request: CustomerChange): Promise<Customer> {
  const { customerId, expectedVersion: expected, patch, actor } = request;
  const current = await getCustomer(customerId);
  if (!current || !canSeeCustomer(actor, current)) throw new NotFound('customer', customerId);
  if (current.version !== expected) {
    throw new Conflict(
      `customer ${customerId} is at version ${current.version}, not ${expected}: read it again and reapply the change`,
      { currentVersion: current.version },
    );
  }
  const change = applyChange(current, patch, { actor, now: now() });
  if (change === undefined) {
    // Every value already holds: nothing to keep, no new version. A closure sent again starts
    // any retention clock a failed earlier request left unstarted (it is safe to repeat).
    if (patch.accountStatus === 'CLOSED' && current.closedAt) {
      await accountClosed(customerId, current.closedAt, actor, now());
    }
    return current;
  }
  if (change.changed.includes('region') && !mayAccessRegion(actor, change.next.region)) {
    throw new Forbidden(`region ${change.next.region} is outside the regions you may move customers to`);
  }
  await saveChange(change, {
    action: 'customer.updated',
    actor,
    targetType: 'customer',
    targetId: customerId,
    before: customerView(current),
    after: customerView(change.next),
    at: change.version.changedAt,
    details: { version: change.next.version, changed: change.changed, requestId: request.requestId },
  });
  if (closesAccount(change) && change.next.closedAt) {
    // ACCOUNT_CLOSED trigger: the retention clocks of the customer's archived documents that
    // wait for the closure (and for the end of a supply contract, which ends with the account)
    // start at closedAt; their due days enter the due-date index the retention sweep reads.
    await accountClosed(customerId, change.next.closedAt, actor, now());
  }
  return change.next;
}
