import { queryBorrowerLoans, queryLoansOutDueBefore } from '../adapters/loans-repo.ts';
import { now } from '../core/clock.ts';
import { Forbidden } from '../core/errors.ts';
import { isOverdue, loanQuerySchema, loanView } from '../core/loans.ts';
import { mayAccessRegions } from '../core/regions.ts';
import { hasAnyRole } from '../core/roles.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `GET /loans?mine[&status=S]`: the caller's own loans, newest first.
 * `GET /loans?status=overdue`: for archivists, every loan with something still out past its due
 * time (see functions/core/loans.ts for what overdue means), longest overdue first; for an
 * archivist limited to regions, those whose documents' customers all lie in their regions.
 */
export const handler = apiHandler('loans-list', async function handleLoansList({ actor, query }) {
  const q = parseInput(loanQuerySchema, query, 'query');
  const limit = q.limit ?? 50;
  const time = now();
  if (q.mine === undefined) {
    if (!hasAnyRole(actor, ['archivist'])) throw new Forbidden('only archivists list overdue loans');
    const loans = await queryLoansOutDueBefore(time.toISOString(), limit);
    return {
      status: 200,
      body: {
        items: loans
          .filter((l) => isOverdue(l, time) && mayAccessRegions(actor, l.regions))
          .map((l) => loanView(l, time)),
      },
    };
  }
  const status = q.status === 'overdue' ? undefined : q.status;
  const loans = await queryBorrowerLoans(actor.sub, limit, status);
  const items = q.status === 'overdue' ? loans.filter((l) => isOverdue(l, time)) : loans;
  return { status: 200, body: { items: items.map((l) => loanView(l, time)) } };
});
