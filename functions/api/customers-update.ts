import { schemeId } from '../adapters/env.ts';
import { closureCorrectionSchema } from '../core/closure-correction.ts';
import { customerView, parseCustomerId, parseIfMatch, updateCustomerSchema } from '../core/customers.ts';
import { maskForActor } from '../core/masking.ts';
import { getScheme } from '../core/scheme.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseRequiredBody } from '../http/api.ts';
import { correctClosure } from '../services/closure-correction.ts';
import { changeCustomer } from '../services/customer-changes.ts';

/**
 * PATCH /customers/{customerId} with `If-Match: <version>`: applies a partial change to the
 * version the caller read (services/customer-changes.ts). A stale version is a 409 carrying the
 * current one; the answer is the customer as the caller may see it, its version as ETag.
 */
async function handleCustomersUpdate(req: ApiRequest): Promise<ApiResponse> {
  const scheme = getScheme(schemeId());
  const customerId = parseCustomerId(req.path);
  const expectedVersion = parseIfMatch(req.headers['if-match']);
  const patch = parseRequiredBody(updateCustomerSchema(scheme), req.body, 'the fields to change');
  const customer = await changeCustomer({
    customerId,
    expectedVersion,
    patch,
    actor: req.actor,
    requestId: req.requestId,
  });
  return {
    status: 200,
    body: maskForActor(scheme, req.actor, customerView(customer)).value,
    headers: { etag: String(customer.version) },
  };
}

/**
 * PUT /customers/{customerId}/closure `{closedAt, reason}` with `If-Match: <version>` (archivists):
 * corrects a closed account's closure date and re-dates the retention clocks it started
 * (services/closure-correction.ts). The answer is the customer, whether it changed, and the
 * documents re-dated or left alone (with why).
 */
async function handleClosureCorrection(req: ApiRequest): Promise<ApiResponse> {
  const scheme = getScheme(schemeId());
  const customerId = parseCustomerId(req.path);
  const expectedVersion = parseIfMatch(req.headers['if-match']);
  const correction = parseRequiredBody(
    closureCorrectionSchema,
    req.body,
    'the corrected closedAt and the reason',
  );
  const outcome = await correctClosure({
    customerId,
    expectedVersion,
    correction,
    actor: req.actor,
    requestId: req.requestId,
  });
  return {
    status: 200,
    body: {
      customer: maskForActor(scheme, req.actor, customerView(outcome.customer)).value,
      changed: outcome.changed,
      redated: outcome.redated,
      skipped: outcome.skipped,
    },
    headers: { etag: String(outcome.customer.version) },
  };
}

export const handler = apiHandler('customers-update', (req) =>
  req.routeKey === 'PUT /customers/{customerId}/closure'
    ? handleClosureCorrection(req)
    : handleCustomersUpdate(req),
);
