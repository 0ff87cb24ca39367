import { auditClearRead } from '../adapters/audit.ts';
import { getCustomer } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { canSeeCustomer, customerView, parseCustomerId } from '../core/customers.ts';
import { NotFound } from '../core/errors.ts';
import { maskForActor } from '../core/masking.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * GET /customers/{customerId}: one customer, sensitive fields masked unless the caller's role
 * may read them; a read in clear is audited before the values leave.
 */
export const handler = apiHandler('customers-get', async function handleCustomersGet(req) {
  const scheme = getScheme(schemeId());
  const customerId = parseCustomerId(req.path);
  const customer = await getCustomer(customerId);
  // Out-of-region customers answer as absent, so the answer does not tell they exist.
  if (!customer || !canSeeCustomer(req.actor, customer)) throw new NotFound('customer', customerId);
  const { value, revealed } = maskForActor(scheme, req.actor, customerView(customer));
  await auditClearRead({
    action: 'customer.read-unmasked',
    actor: req.actor,
    targetType: 'customer',
    targetId: customerId,
    revealed,
    details: { version: customer.version, requestId: req.requestId },
  });
  return { status: 200, body: value, headers: { etag: String(customer.version) } };
});
