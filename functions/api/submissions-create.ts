import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('submissions-create', async () => {
  throw new DomainError(500, 'NotImplemented', 'submissions-create is not implemented yet');
});
