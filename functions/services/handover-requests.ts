import { createHash, randomUUID } from 'node:crypto';
import { findCustomerIdByNo, getCustomer } from '../adapters/customers-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { createHandover, finishHandover, listHandovers } from '../adapters/handovers-repo.ts';
import { startHandoverExecution } from '../adapters/workflows.ts';
import { bagNameOf, type Selection } from '../core/bag-contents.ts';
import { now } from '../core/clock.ts';
import { type Customer, canSeeCustomer } from '../core/customers.ts';
import { BadRequest, type FieldError, Forbidden } from '../core/errors.ts';
import {
  checkHandoverCategory,
  checkHandoverPlan,
  HANDOVER_LIST_LIMIT,
  type Handover,
  handoverKey,
  handoverView,
  MAX_HANDOVER_DOCUMENTS,
} from '../core/handovers.ts';
import { visibleRegions } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { countSelection } from './handover-selection.ts';

/**
 * Handover packages from the API's side: asking for one (the selection counted against the
 * limits, the package recorded and its workflow started) and the caller's list. One package with
 * its download link is handover-links.ts (the S3 client stays out of this function's bundle).
 */

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Records a package for the selection and starts building it; answers at once, BUILDING. */
export async function requestHandover(
  actor: Actor,
  selection: Selection,
  requestId: string,
): Promise<Handover> {
  const scheme = getScheme(schemeId());
  const customers = await selectedCustomers(actor, selection);
  checkHandoverCategory(scheme, selection.category);
  const counted = await countSelection(
    scheme,
    selection,
    customers.map((c) => c.customerId),
    MAX_HANDOVER_DOCUMENTS,
  );
  checkHandoverPlan(counted.plan, counted.more);
  const handoverId = randomUUID();
  const bag = bagNameOf(selection, digest);
  const at = now().toISOString();
  const handover: Handover = {
    handoverId,
    status: 'BUILDING',
    requestedBy: { sub: actor.sub, username: actor.username, roles: actor.roles },
    selection,
    bag,
    plan: counted.plan,
    createdAt: at,
    updatedAt: at,
    key: handoverKey(handoverId, bag),
    requestId,
  };
  await createHandover(handover, {
    action: 'handover.requested',
    actor,
    targetType: 'handover',
    targetId: handoverId,
    at,
    details: {
      bag,
      selection,
      customers: counted.plan.customerIds.length,
      documents: counted.plan.documents,
      bytes: counted.plan.bytes,
      requestId,
    },
  });
  try {
    await startHandoverExecution(handoverId, { handoverId });
  } catch (err) {
    // Nothing will build it: it fails now, rather than wait for its deadline.
    await finishHandover(
      handoverId,
      {
        status: 'FAILED',
        failure: { code: 'not-started', zh: '打包流程未能启动', en: 'its build could not be started' },
      },
      now().toISOString(),
      {
        action: 'handover.failed',
        actor,
        targetType: 'handover',
        targetId: handoverId,
        details: { requestId },
      },
    );
    throw err;
  }
  return handover;
}

/**
 * The customers a selection names, read by number in the order given; one that is unknown or
 * outside the caller's regions is the same 400, so the answer does not tell which. Without
 * customers, the whole year: for accounts serving every region only (403).
 */
async function selectedCustomers(actor: Actor, selection: Selection): Promise<Customer[]> {
  if (selection.customers.length === 0 && visibleRegions(actor) !== 'ALL') {
    throw new Forbidden(
      'a whole archive year covers every region; an account limited to regions names its customers / 整个年度涵盖所有区域；限定区域的账号须列出客户',
      'every-region',
    );
  }
  const customers: Customer[] = [];
  for (const [i, no] of selection.customers.entries()) {
    const id = await findCustomerIdByNo(no);
    const customer = id === undefined ? undefined : await getCustomer(id);
    if (!customer || !canSeeCustomer(actor, customer)) {
      throw new BadRequest(
        `no customer ${no} (or not in your regions) / 找不到客户 ${no}（或不在你的区域内）`,
        [
          {
            path: `customers.${i}`,
            code: 'invalid_value',
            message: `no customer ${no}`,
            params: { value: no },
          },
        ] satisfies FieldError[],
      );
    }
    customers.push(customer);
  }
  return customers;
}

/** The caller's packages, newest first. */
export async function myHandovers(actor: Actor) {
  const found = await listHandovers(actor.sub, HANDOVER_LIST_LIMIT);
  const at = now();
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((h) => handoverView(h, at));
}
