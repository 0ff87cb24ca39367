import { auditClearRead } from '../adapters/audit.ts';
import { listVersions } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { parseCustomerId, versionView } from '../core/customers.ts';
import { NotFound } from '../core/errors.ts';
import { customerHistoryForActor } from '../core/masking.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * GET /customers/{customerId}/history: every version, oldest first, with who changed which
 * fields when and the new values, masked per role. Values shown in clear are audited.
 */
export const handler = apiHandler('customers-history', async function handleCustomersHistory(req) {
  const scheme = getScheme(schemeId());
  const customerId = parseCustomerId(req.path);
  const versions = await listVersions(customerId);
  if (versions.length === 0) throw new NotFound('customer', customerId);
  const { items, revealed } = customerHistoryForActor(scheme, req.actor, versions.map(versionView));
  await auditClearRead({
    action: 'customer.history-read-unmasked',
    actor: req.actor,
    targetType: 'customer',
    targetId: customerId,
    revealed,
    details: { versions: versions.length, requestId: req.requestId },
  });
  return {
    status: 200,
    body: { customerId, items },
  };
});
