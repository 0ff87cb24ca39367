import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('submissions-get', async () => {
  throw new DomainError(500, 'NotImplemented', 'submissions-get is not implemented yet');
});
