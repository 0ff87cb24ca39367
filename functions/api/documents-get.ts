import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('documents-get', async () => {
  throw new DomainError(500, 'NotImplemented', 'documents-get is not implemented yet');
});
