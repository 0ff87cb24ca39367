import { getLoan } from '../adapters/loans-repo.ts';
import { now } from '../core/clock.ts';
import { Forbidden, NotFound } from '../core/errors.ts';
import { canViewLoan, loanView } from '../core/loans.ts';
import { apiHandler } from '../http/api.ts';

/** `GET /loans/{loanId}`: the borrower's own loan; approvers, archivists and auditors see any. */
export const handler = apiHandler('loans-get', async ({ actor, path }) => {
  const id = path.loanId ?? '';
  const loan = await getLoan(id);
  if (!loan) throw new NotFound('loan', id);
  if (!canViewLoan(actor, loan)) throw new Forbidden(`loan ${id} belongs to another borrower`);
  return { status: 200, body: loanView(loan, now()) };
});
