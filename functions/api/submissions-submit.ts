import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('submissions-submit', async () => {
  throw new DomainError(500, 'NotImplemented', 'submissions-submit is not implemented yet');
});
