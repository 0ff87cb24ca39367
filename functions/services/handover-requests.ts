import { createHash, randomUUID } from 'node:crypto';
import { appendAudit } from '../adapters/audit.ts';
import { schemeId } from '../adapters/env.ts';
import { createHandover, finishHandover, listHandovers } from '../adapters/handovers-repo.ts';
import { presignHandover } from '../adapters/storage.ts';
import { startHandoverExecution } from '../adapters/workflows.ts';
import { bagNameOf, type Selection } from '../core/bag-contents.ts';
import { now } from '../core/clock.ts';
import type { Customer } from '../core/customers.ts';
import {
  checkHandoverCategory,
  checkHandoverPlan,
  HANDOVER_LINK_SECONDS,
  HANDOVER_LIST_LIMIT,
  type Handover,
  handoverKey,
  handoverView,
  MAX_HANDOVER_DOCUMENTS,
} from '../core/handovers.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { countSelection } from './handover-selection.ts';

/**
 * Handover packages from the API's side: asking for one (the selection counted against the
 * limits, the package recorded and its workflow started), the caller's list, and one package
 * with, once READY, a short-lived download link, each link on record in the audit trail.
 */

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Records a package for the selection and starts building it; answers at once, BUILDING. */
export async function requestHandover(
  actor: Actor,
  selection: Selection,
  customers: readonly Customer[],
  requestId: string,
): Promise<Handover> {
  const scheme = getScheme(schemeId());
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

/** The caller's packages, newest first. */
export async function myHandovers(actor: Actor) {
  const found = await listHandovers(actor.sub, HANDOVER_LIST_LIMIT);
  const at = now();
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((h) => handoverView(h, at));
}

/**
 * One package as its requester sees it; a READY one with a download link that works for
 * HANDOVER_LINK_SECONDS. Each link is audited before it is handed out: who, which package, what
 * it holds.
 */
export async function handoverWithLink(actor: Actor, handover: Handover, requestId: string) {
  const at = now();
  const view = handoverView(handover, at);
  if (view.status !== 'READY') return view;
  const download = await presignHandover({
    key: handover.key,
    fileName: view.fileName,
    expiresIn: HANDOVER_LINK_SECONDS,
    now: at,
  });
  await appendAudit({
    action: 'handover.link-issued',
    actor,
    targetType: 'handover',
    targetId: handover.handoverId,
    at: at.toISOString(),
    details: {
      bag: handover.bag,
      selection: handover.selection,
      customers: view.customers,
      documents: view.documents,
      bytes: view.bytes,
      sha256: view.sha256,
      linkExpiresAt: download.expiresAt,
      requestId,
    },
  });
  return { ...view, download };
}
