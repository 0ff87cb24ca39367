import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('customers-history', async () => {
  throw new DomainError(500, 'NotImplemented', 'customers-history is not implemented yet');
});
