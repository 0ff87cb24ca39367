import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('customers-update', async () => {
  throw new DomainError(500, 'NotImplemented', 'customers-update is not implemented yet');
});
