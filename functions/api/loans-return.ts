import { returnLoan } from '../adapters/loans-repo.ts';
import { now } from '../core/clock.ts';
import { Conflict } from '../core/errors.ts';
import { assertReturnable, type Loan, loanView } from '../core/loans.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `POST /loans/{loanId}/return`: ends an active loan at once (its grants go in the same
 * transaction, so the next content request is refused), or records that the paper originals
 * of a loan are back. The borrow-approval execution is not signalled: it waits until the due
 * time and then finds the loan returned, which ends it without doing anything. The `own-loan`
 * rule reads the loan (one outside an archivist's regions answers as absent).
 */
export const handler = apiHandler(
  'loans-return',
  'POST /loans/{loanId}/return',
  async function handleLoansReturn({ actor, records }) {
    const { loan } = records;
    const id = loan.loanId;
    assertReturnable(actor, loan);

    const time = now();
    const at = time.toISOString();
    const returned = await returnLoan(loan, actor, at, {
      action: loan.paper ? 'loan.returned-with-originals' : 'loan.returned',
      actor,
      targetType: 'loan',
      targetId: id,
      at,
      before: { status: loan.status },
      details: {
        borrower: loan.borrowerName,
        dueAt: loan.dueAt,
        ...(loan.paper
          ? {
              originals: loan.documents
                .filter((d) => d.paper)
                .map((d) => ({ documentId: d.documentId, location: d.location })),
            }
          : {}),
      },
    });
    if (!returned) throw new Conflict(`loan ${id} was returned or expired meanwhile`);
    const after: Loan = {
      ...loan,
      status: loan.status === 'ACTIVE' ? 'RETURNED' : loan.status,
      returnedAt: at,
      returnedBy: actor.username,
    };
    return { status: 200, body: loanView(after, time) };
  },
);
