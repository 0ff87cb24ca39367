import { personView } from '../core/accounts.ts';
import { apiHandler } from '../http/api.ts';
import { allAccounts } from '../services/staff-accounts.ts';

/**
 * `GET /people` (every role): each colleague's id, username and display name, so pages show
 * people by name wherever a record names who acted. Names only: no state, roles or regions, and
 * nothing of any customer, so the read is not audited (CONTRIBUTING: reads of content or
 * unmasked data are).
 */
export const handler = apiHandler('people-list', async function handlePeopleList() {
  const accounts = await allAccounts();
  return { status: 200, body: { items: accounts.map(personView) } };
});
