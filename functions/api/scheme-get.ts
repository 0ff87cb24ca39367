import { DomainError } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

export const handler = apiHandler('scheme-get', async () => {
  throw new DomainError(500, 'NotImplemented', 'scheme-get is not implemented yet');
});
