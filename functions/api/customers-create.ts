import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('customers-create', async () => {
  throw new DomainError(500, 'NotImplemented', 'customers-create is not implemented yet');
});
