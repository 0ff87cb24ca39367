import { getCustomer, saveChange } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { now } from '../core/clock.ts';
import {
  applyChange,
  canSeeCustomer,
  closesAccount,
  customerView,
  mayAccessRegion,
  parseCustomerId,
  parseIfMatch,
  updateCustomerSchema,
} from '../core/customers.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../core/errors.ts';
import { maskForActor } from '../core/masking.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';
import { accountClosed } from '../services/retention-clock.ts';

/**
 * PATCH /customers/{customerId} with `If-Match: <version>`: applies a partial change to the
 * version the caller read, keeps the new version and audits before/after, all in one
 * transaction. A stale version is a 409 carrying the current one.
 */
export const handler = apiHandler('customers-update', async (req) => {
  const scheme = getScheme(schemeId());
  const customerId = parseCustomerId(req.path);
  const expected = parseIfMatch(req.headers['if-match']);
  if (req.body === undefined) throw new BadRequest('request body is required: the fields to change');
  const patch = parseInput(updateCustomerSchema(scheme), req.body);

  const current = await getCustomer(customerId);
  if (!current || !canSeeCustomer(req.actor, current)) throw new NotFound('customer', customerId);
  if (current.version !== expected) {
    throw new Conflict(
      `customer ${customerId} is at version ${current.version}, not ${expected}: read it again and reapply the change`,
      { currentVersion: current.version },
    );
  }
  const change = applyChange(current, patch, { actor: req.actor, now: now() });
  const mask = (record: object) => maskForActor(scheme, req.actor, record).value;
  if (change === undefined) {
    // Every value already holds: nothing to keep, no new version. A closure sent again starts
    // any retention clock a failed earlier request left unstarted (it is safe to repeat).
    if (patch.accountStatus === 'CLOSED' && current.closedAt) {
      await accountClosed(customerId, current.closedAt, req.actor, now());
    }
    return { status: 200, body: mask(customerView(current)), headers: { etag: String(current.version) } };
  }
  if (change.changed.includes('region') && !mayAccessRegion(req.actor, change.next.region)) {
    throw new Forbidden(`region ${change.next.region} is outside the regions you may move customers to`);
  }
  await saveChange(change, {
    action: 'customer.updated',
    actor: req.actor,
    targetType: 'customer',
    targetId: customerId,
    before: customerView(current),
    after: customerView(change.next),
    at: change.version.changedAt,
    details: { version: change.next.version, changed: change.changed, requestId: req.requestId },
  });
  if (closesAccount(change) && change.next.closedAt) {
    // ACCOUNT_CLOSED trigger: the retention clocks of the customer's archived documents that
    // wait for the closure (and for the end of a supply contract, which ends with the account)
    // start at closedAt; their due days enter the due-date index the retention sweep reads.
    await accountClosed(customerId, change.next.closedAt, req.actor, now());
  }
  return {
    status: 200,
    body: mask(customerView(change.next)),
    headers: { etag: String(change.next.version) },
  };
});
