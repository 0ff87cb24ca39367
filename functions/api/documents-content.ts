import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('documents-content', async () => {
  throw new DomainError(500, 'NotImplemented', 'documents-content is not implemented yet');
});
