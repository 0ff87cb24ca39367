import { randomUUID } from 'node:crypto';
import { borrowWorkflowArn, schemeId } from '../adapters/env.ts';
import { createLoan, rejectLoan } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { startBorrowExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { DomainError, errorMessage } from '../core/errors.ts';
import { executionArnOf } from '../core/executions.ts';
import { assertBorrowable, borrowWorkflowInput, loanView, newLoan } from '../core/loans.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `POST /loans {documentIds, purpose, days}`: checks the request (400 for a bad field, 404 for
 * an unknown document, 409 for one that is not ARCHIVED), records the loan PENDING_APPROVAL with
 * the name of its execution, and starts borrow-approval under the loan's id. 202: the loan
 * becomes ACTIVE only once approved. The `loan-region` rule parses the request and hands over the
 * named documents the caller may borrow: those of customers outside their regions are left out,
 * and answer here as unknown documents.
 */
export const handler = apiHandler(
  'loans-create',
  'POST /loans',
  async function handleLoansCreate({ actor, records }) {
    const scheme = getScheme(schemeId());
    const input = records.loanRequest;
    const documents = assertBorrowable(input.documentIds, records.documents);

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
      customerRegions: records.customerRegions,
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
        error: errorMessage(err),
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
  },
);
