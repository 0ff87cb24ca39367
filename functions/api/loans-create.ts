import { randomUUID } from 'node:crypto';
import { getCustomer } from '../adapters/customers-repo.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import { borrowWorkflowArn, schemeId } from '../adapters/env.ts';
import { createLoan, rejectLoan } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { startBorrowExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { mayAccessRegion, visibleRegions } from '../core/customers.ts';
import type { DocumentRecord } from '../core/documents.ts';
import { DomainError } from '../core/errors.ts';
import { executionArnOf } from '../core/executions.ts';
import { assertBorrowable, borrowWorkflowInput, createLoanSchema, loanView, newLoan } from '../core/loans.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * The documents of customers in the caller's regions; a caller limited to regions does not learn
 * that others exist (they answer as unknown documents, as the content route does). One GetItem per
 * customer, and none for a caller who serves every region.
 */
async function inRegion(actor: Actor, docs: DocumentRecord[]): Promise<DocumentRecord[]> {
  if (visibleRegions(actor) === 'ALL') return docs;
  const visible = new Set<string>();
  for (const customerId of new Set(docs.map((d) => d.customerId))) {
    const customer = await getCustomer(customerId);
    if (customer && mayAccessRegion(actor, customer.region)) visible.add(customerId);
  }
  return docs.filter((d) => visible.has(d.customerId));
}

/**
 * `POST /loans {documentIds, purpose, days}`: checks the request (400 for a bad field, 404 for
 * an unknown document, 409 for one that is not ARCHIVED), records the loan PENDING_APPROVAL with
 * the name of its execution, and starts borrow-approval under the loan's id. 202: the loan
 * becomes ACTIVE only once approved.
 */
export const handler = apiHandler('loans-create', async ({ actor, body }) => {
  const scheme = getScheme(schemeId());
  const input = parseInput(createLoanSchema(scheme), body);
  const documents = assertBorrowable(
    input.documentIds,
    await inRegion(actor, await getDocuments(input.documentIds)),
  );

  const loanId = randomUUID();
  const time = now();
  const at = time.toISOString();
  const loan = newLoan({
    scheme,
    input,
    actor,
    documents,
    loanId,
    executionArn: executionArnOf(borrowWorkflowArn(), loanId),
    now: time,
  });
  await createLoan(loan, {
    action: 'loan.requested',
    actor,
    targetType: 'loan',
    targetId: loanId,
    at,
    after: {
      documentIds: loan.documentIds,
      purpose: loan.purpose,
      days: loan.days,
      sensitive: loan.sensitive,
    },
  });

  try {
    await startBorrowExecution(loanId, borrowWorkflowInput(loanId, scheme));
  } catch (err) {
    // Nobody will ever be asked to approve it: end the request rather than leave it pending.
    logger.error('borrow-approval did not start; the loan is rejected', {
      loanId,
      error: (err as Error).message,
    });
    const rejection = {
      reason: 'the approval workflow could not be started; ask again',
      decidedBy: 'system',
      at,
    };
    await rejectLoan(loanId, loan.executionArn, rejection, {
      action: 'loan.rejected',
      actor,
      targetType: 'loan',
      targetId: loanId,
      at,
      after: rejection,
    });
    throw new DomainError(500, 'WorkflowUnavailable', 'the approval workflow could not be started');
  }
  return { status: 202, body: loanView(loan, time), headers: { location: `/loans/${loanId}` } };
});
