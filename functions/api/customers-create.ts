import { insertCustomer } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import {
  createCustomerSchema,
  customerView,
  firstVersion,
  newCustomer,
  newCustomerId,
} from '../core/customers.ts';
import { Forbidden } from '../core/errors.ts';
import { maskForActor } from '../core/masking.ts';
import { mayAccessRegion } from '../core/regions.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseRequiredBody } from '../http/api.ts';

/** POST /customers: registers a customer; the customer number must be new. */
export const handler = apiHandler('customers-create', async function handleCustomersCreate(req) {
  const scheme = getScheme(schemeId());
  const input = parseRequiredBody(createCustomerSchema(scheme), req.body, '{customerNo, name, type, ...}');
  const customer = newCustomer(input, { customerId: newCustomerId(), actor: req.actor, now: now() });
  if (!mayAccessRegion(req.actor, customer.region)) {
    throw new Forbidden(`region ${customer.region} is outside the regions you may register customers in`);
  }
  const record = customerView(customer);
  await insertCustomer(customer, firstVersion(customer, req.actor), {
    action: 'customer.created',
    actor: req.actor,
    targetType: 'customer',
    targetId: customer.customerId,
    after: record,
    at: customer.createdAt,
    details: { requestId: req.requestId },
  });
  if (customer.accountStatus === 'CLOSED') {
    // Retention hook (ACCOUNT_CLOSED trigger): a customer registered as already closed (files
    // digitised after closure) starts the retention clock of its documents from closedAt.
    // The retention sweep will pick this up; until it exists, the event is logged.
    logger.info('customer registered closed; ACCOUNT_CLOSED retention trigger pending', {
      customerId: customer.customerId,
      closedAt: customer.closedAt,
    });
  }
  return {
    status: 201,
    // The creator typed these values; showing them back is no new disclosure.
    body: maskForActor(scheme, req.actor, record).value,
    headers: { etag: String(customer.version), location: `/customers/${customer.customerId}` },
  };
});
