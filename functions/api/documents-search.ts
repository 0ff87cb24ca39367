import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('documents-search', async () => {
  throw new DomainError(500, 'NotImplemented', 'documents-search is not implemented yet');
});
