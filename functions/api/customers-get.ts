import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('customers-get', async () => {
  throw new DomainError(500, 'NotImplemented', 'customers-get is not implemented yet');
});
