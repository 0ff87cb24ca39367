import { now } from '../core/clock.ts';
import { loanView } from '../core/loans.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /loans/{loanId}`: the borrower's own loan; approvers, archivists and auditors see any (the
 * `own-loan` rule decides, and hands over the loan it read).
 */
export const handler = apiHandler(
  'loans-get',
  'GET /loans/{loanId}',
  async function handleLoansGet({ records: { loan } }) {
    return {
      status: 200,
      body: loanView(loan, now()),
    };
  },
);
