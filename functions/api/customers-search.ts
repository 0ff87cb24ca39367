import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('customers-search', async () => {
  throw new DomainError(500, 'NotImplemented', 'customers-search is not implemented yet');
});
